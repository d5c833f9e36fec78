using CocoonNet.Host.Cli;

return await new CliApplication(Console.Out, Console.Error).RunAsync(args, CancellationToken.None).ConfigureAwait(false);
