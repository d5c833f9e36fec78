using CocoonNet.Host.State;
using Microsoft.Extensions.DependencyInjection;

namespace CocoonNet.Host.Startup;

/// <summary>
/// Start-up is most of a no-op run, and its first-use costs are sequential: the command line is parsed,
/// then pool.json read, then the container built. A few of those costs do not depend on anything the
/// command line says, so a second core pays them while the first parses: the JSON reader's first string
/// (it builds a char search table whose generic code the runtime cannot precompile and jits at full
/// optimization, about 6 ms on its own), the DI container's first build and resolve, and Scrutor's first
/// scan.
/// Nothing here touches the host or any state; a failure is ignored (the real use reports it).
/// </summary>
internal static class StartupWarmup
{
    public static void Start(string[] args)
    {
        if (args is [] or ["--version"] or ["version"] || args.Contains("--help") || args.Contains("-h"))
        {
            return;
        }

        var thread = new Thread(Run) { IsBackground = true, Name = "warmup" };
        thread.Start();
    }

    private static void Run()
    {
        try
        {
            PoolStateJson.Read("""{"platform":"generic","ips":["10.0.0.2"],"host":{"files":[]},"updatedAt":"2026-01-01T00:00:00Z"}"""u8);
            var collection = new ServiceCollection().AddSingleton<Warm>();
            collection.Scan(scan => scan.FromTypes(typeof(Warm)).AddClasses(c => c.AssignableTo<IWarm>(), publicOnly: false).As<IWarm>());
            using var services = collection.BuildServiceProvider();
            services.GetRequiredService<Warm>();
            services.GetServices<IWarm>();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Only ever a head start.
        }
    }

    private interface IWarm;

    private sealed class Warm : IWarm;
}
