using CocoonNet.Host;
using CocoonNet.Host.Cli;

// --version is answered before the command line (and everything it references) is built: it is the process
// floor. Main stays synchronous so that path loads no task machinery either.
if (HostVersion.IsVersionCommand(args))
{
    Console.Out.WriteLine(HostVersion.Line);
    return ExitCodes.Success;
}

return new CliApplication(Console.Out, Console.Error).RunAsync(args, CancellationToken.None).GetAwaiter().GetResult();
