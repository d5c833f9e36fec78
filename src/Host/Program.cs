using CocoonNet.Host.Cli;
using CocoonNet.Host.Startup;

StartupWarmup.Start(args);
return await new CliApplication(Console.Out, Console.Error).RunAsync(args, CancellationToken.None).ConfigureAwait(false);
