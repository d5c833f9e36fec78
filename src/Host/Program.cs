using CocoonNet.Host;
using CocoonNet.Host.Cli;

// --version is answered before the command line (and everything it references) is built: it is the process floor.
if (HostVersion.IsVersionCommand(args))
{
    Console.Out.WriteLine(HostVersion.Line);
    return ExitCodes.Success;
}

return await new CliApplication(Console.Out, Console.Error).RunAsync(args, CancellationToken.None).ConfigureAwait(false);
