using Xunit.Sdk;

namespace CocoonNet.Tests.Support;

/// <summary>Where the built artefacts are and whether this machine can run the namespace tests.</summary>
internal static class TestEnvironment
{
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The <c>make build</c> output (COCOON_NET_OUT, else ../../out from the repo root); refused under make unit.</summary>
    public static string OutDirectory => Needs.UnitRun
        ? throw new InvalidOperationException("make unit runs no test that needs out/: mark this one [BuildFact] or its class [NeedsBuild]")
        : Environment.GetEnvironmentVariable("COCOON_NET_OUT") is { Length: > 0 } dir
            ? dir
            : Path.GetFullPath(Path.Combine(RepositoryRoot, "out"));

    public static string Binary => Path.Combine(OutDirectory, "cocoon-net");

    public static string TestPlugins => Path.Combine(OutDirectory, "test-plugins");

    public static string RepositoryRoot
    {
        get
        {
            var dir = AppContext.BaseDirectory;
            while (dir is not null && !File.Exists(Path.Combine(dir, "CocoonNet.sln")))
            {
                dir = Path.GetDirectoryName(dir);
            }

            return dir ?? throw new InvalidOperationException("cannot find the repository root (CocoonNet.sln)");
        }
    }

    /// <summary>Why the privileged tests cannot run here, or null when they can.</summary>
    public static string? WhyNoNamespaces()
    {
        if (Needs.UnitRun)
        {
            return "make unit runs no test that needs root: mark this one [PrivilegedFact]";
        }

        if (Environment.UserName != "root" && Environment.GetEnvironmentVariable("USER") != "root" && !IsRootUid())
        {
            return "needs root (network namespaces)";
        }

        foreach (var tool in new[] { "ip", "dnsmasq", "iptables-restore", "iptables-save", "busybox" })
        {
            if (!OnPath(tool))
            {
                return $"{tool} is not installed (make deps-system)";
            }
        }

        return File.Exists(Binary) ? null : $"{Binary} is missing (make build)";
    }

    /// <summary>Why the built plugins are missing, or null.</summary>
    public static string? WhyNoBuild() =>
        Directory.Exists(TestPlugins) && File.Exists(Binary) ? null : $"{TestPlugins} is missing (make test-plugins)";

    private static bool IsRootUid()
    {
        try
        {
            return File.ReadAllLines("/proc/self/status").Any(l => l.StartsWith("Uid:", StringComparison.Ordinal) && l.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1] == "0");
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/sbin").Append("/sbin")
            .Any(d => File.Exists(Path.Combine(d, tool)));
}

/// <summary>
/// A test that needs root and network namespaces. Skipped on a developer machine that cannot run it;
/// under CI=true it is never skipped, so a missing capability or package fails the run. make unit leaves it out.
/// </summary>
[TraitDiscoverer(NeedsDiscoverer.TypeName, NeedsDiscoverer.AssemblyName)]
public sealed class PrivilegedFactAttribute : FactAttribute, ITraitAttribute
{
    public PrivilegedFactAttribute()
    {
        if (!Support.Needs.UnitRun && !TestEnvironment.IsCi && TestEnvironment.WhyNoNamespaces() is { } reason)
        {
            Skip = reason;
        }
    }

    public string Needs => Support.Needs.Root;
}

/// <summary>A test that needs the built binary and sample plugins; never skipped under CI=true. make unit leaves it out.</summary>
[TraitDiscoverer(NeedsDiscoverer.TypeName, NeedsDiscoverer.AssemblyName)]
public sealed class BuildFactAttribute : FactAttribute, ITraitAttribute
{
    public BuildFactAttribute()
    {
        if (!Support.Needs.UnitRun && !TestEnvironment.IsCi && TestEnvironment.WhyNoBuild() is { } reason)
        {
            Skip = reason;
        }
    }

    public string Needs => Support.Needs.Build;
}
