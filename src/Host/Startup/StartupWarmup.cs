using CocoonNet.Host.State;
using Microsoft.Extensions.DependencyInjection;

namespace CocoonNet.Host.Startup;

/// <summary>
/// Start-up is most of a no-op run, and its first-use costs are sequential: the command line is parsed,
/// then pool.json read, then the container built. A few of those costs do not depend on anything the
/// command line says, so a second core pays them while the first parses: the pool.json serializer's first
/// read (the source-generated context still builds its property metadata on first use, and the runtime
/// jits the serializer's generic code for value types such as bool and DateTimeOffset, which a
/// framework-dependent build cannot precompile), the DI container's first build and resolve, and
/// Scrutor's first scan.
/// Measured again once pool.json moved to the source-generated serializer (issue 9; framework-dependent
/// build, no-op adopt re-run, 80 runs on a busy 2-core VM): with the warm-up median 150 ms, p25 125, min 91;
/// without it 155, 139, 112; it costs about 6 ms more CPU in all. It still pays where a second core is free.
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
