using Xunit.Sdk;

namespace CocoonNet.Tests.Support;

/// <summary>
/// vk-cocoon's own cocoon-net client (its <c>network/dhcp.go</c> lease lookup and <c>network/release.go</c> release,
/// wrapped as <c>vkclient</c>), built once per test run from <c>shared/thirdparty/vkcocoon</c> with Debian's Go and run
/// inside a sandbox's node namespace, so the tests speak to cocoon-net exactly as the virtual kubelet does.
/// </summary>
internal static class VkClient
{
    public const string SourceVariable = "COCOON_NET_VKCOCOON_SRC";

    // Built on first use, by one thread; a failed build is the same failure for every test that asks.
    private static readonly Lazy<string> Built = new(Build, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Why vkclient cannot be built here (no Go, no source), or null when it can.</summary>
    public static string? WhyNot()
    {
        if (Source() is null)
        {
            return $"vk-cocoon's client source is not found (shared/thirdparty/vkcocoon beside the repository or its local origin, or {SourceVariable})";
        }

        return OnPath("go") ? null : "go is not installed (apt-get install golang-go)";
    }

    /// <summary>Builds vkclient now (once per run), so a test's timings never include Go's build.</summary>
    public static void EnsureBuilt() => _ = Built.Value;

    /// <summary><c>vkclient lookup LEASES MAC</c> in <paramref name="ns"/>: "IP EXPIRY", or "no lease" with exit 3.</summary>
    public static CommandResult Lookup(string ns, string leasesJson, string mac) => Run(ns, "lookup", leasesJson, mac);

    /// <summary><c>vkclient release SOCKET MAC</c> in <paramref name="ns"/>: "released" on a 204, else the error with exit 1.</summary>
    public static CommandResult Release(string ns, string socket, string mac) => Run(ns, "release", socket, mac);

    private static CommandResult Run(string ns, string verb, string path, string mac) =>
        Shell.Run("ip", ["netns", "exec", ns, Built.Value, verb, path, mac], timeout: TimeSpan.FromSeconds(20));

    private static string Build()
    {
        if (WhyNot() is { } why)
        {
            throw new InvalidOperationException($"cannot build vkclient: {why}");
        }

        // The source directory is read-only where CI lays it out: output and Go's cache go to a directory of ours.
        var output = Directory.CreateTempSubdirectory("cocoon-net-vkclient-").FullName;
        var binary = Path.Combine(output, "vkclient");
        // Go 1.19 has no "go -C DIR": the build runs from the source directory through sh.
        var result = Shell.Run("sh", ["-c", "cd \"$0\" && exec go build -o \"$1\" ./cmd", Source()!, binary],
            new Dictionary<string, string> { ["GOCACHE"] = Path.Combine(output, "cache"), ["GOFLAGS"] = "-mod=mod", ["GO111MODULE"] = "on" },
            timeout: TimeSpan.FromMinutes(5));
        return result.ExitCode == 0 ? binary : throw new InvalidOperationException($"building vkclient failed: {result}");
    }

    private static string? Source()
    {
        if (Environment.GetEnvironmentVariable(SourceVariable) is { Length: > 0 } configured)
        {
            return Directory.Exists(configured) ? configured : null;
        }

        // ../shared/thirdparty/vkcocoon from the repository, or from any directory above it (a git worktree); then the
        // same from the repository this one was cloned from, when that is a local path (a clean clone made elsewhere,
        // as CI makes one).
        return Above(TestEnvironment.RepositoryRoot) ?? Above(LocalOrigin());
    }

    private static string? Above(string? start)
    {
        for (var dir = start; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            var candidate = Path.Combine(dir, "shared", "thirdparty", "vkcocoon");
            if (File.Exists(Path.Combine(candidate, "go.mod")))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The clone's origin when it is a directory on this machine, else null.</summary>
    private static string? LocalOrigin()
    {
        var origin = Shell.Run("git", ["-C", TestEnvironment.RepositoryRoot, "remote", "get-url", "origin"]);
        var url = origin.ExitCode == 0 ? origin.Stdout.Trim() : "";
        url = url.StartsWith("file://", StringComparison.Ordinal) ? url["file://".Length..] : url;
        return Path.IsPathFullyQualified(url) && Directory.Exists(url) ? Path.GetFullPath(url) : null;
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/bin").Append("/usr/local/go/bin")
            .Any(d => d.Length > 0 && File.Exists(Path.Combine(d, tool)));
}

/// <summary>
/// A privileged test that also drives vkclient: skipped on a developer machine without root or Go; under CI=true
/// never skipped, so a missing Go fails the run.
/// </summary>
[TraitDiscoverer(NeedsDiscoverer.TypeName, NeedsDiscoverer.AssemblyName)]
public sealed class VkClientFactAttribute : FactAttribute, ITraitAttribute
{
    public VkClientFactAttribute()
    {
        if (!Support.Needs.UnitRun && !TestEnvironment.IsCi && (TestEnvironment.WhyNoNamespaces() ?? VkClient.WhyNot()) is { } reason)
        {
            Skip = reason;
        }
    }

    public string Needs => Support.Needs.Root;
}
