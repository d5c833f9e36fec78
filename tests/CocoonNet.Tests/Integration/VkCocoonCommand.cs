using CocoonNet.Tests.Support;

namespace CocoonNet.Tests.Integration;

/// <summary>
/// vk-cocoon's own cocoon-net client code (network/dhcp.go, network/release.go) as a command, built once per test run
/// with Debian's Go from ../shared/thirdparty/vkcocoon (read-only there: output and GOCACHE go to a temporary dir).
/// </summary>
internal static class VkCocoonCommand
{
    private static readonly Lazy<string> Binary = new(Build);

    /// <summary><c>vkclient lookup LEASES MAC</c>: "IP EXPIRY" with exit 0, "no lease" with exit 3.</summary>
    public static CommandResult Lookup(string leaseFile, string mac) => Shell.Run(Binary.Value, ["lookup", leaseFile, mac]);

    /// <summary><c>vkclient release SOCKET MAC</c>: "released" with exit 0 on a 204.</summary>
    public static CommandResult Release(string socket, string mac) => Shell.Run(Binary.Value, ["release", socket, mac], timeout: TimeSpan.FromSeconds(15));

    private static string Build()
    {
        var source = new[]
            {
                Environment.GetEnvironmentVariable("COCOON_NET_VKCOCOON") ?? "",
                Path.Combine(TestEnvironment.RepositoryRoot, "../shared/thirdparty/vkcocoon"),
                "/work/shared/thirdparty/vkcocoon",
            }
            .FirstOrDefault(d => d.Length > 0 && File.Exists(Path.Combine(d, "go.mod")))
            ?? throw new InvalidOperationException("vk-cocoon's client code is missing (../shared/thirdparty/vkcocoon, or set COCOON_NET_VKCOCOON)");
        var output = Path.Combine(Path.GetTempPath(), $"cocoon-net-vkclient-{Environment.ProcessId}");
        Directory.CreateDirectory(output);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(output, recursive: true);
        var binary = Path.Combine(output, "vkclient");
        var build = Shell.Run("sh", ["-c", $"cd '{source}' && go build -o '{binary}' ./cmd"], new Dictionary<string, string>
        {
            ["GOCACHE"] = Path.Combine(output, "cache"),
            ["GOPATH"] = Path.Combine(output, "gopath"),
            ["GOFLAGS"] = "-mod=mod",
            ["GOTOOLCHAIN"] = "local",
            ["GOPROXY"] = "off",
        }, TimeSpan.FromMinutes(3));
        return build.ExitCode == 0 ? binary : throw new InvalidOperationException($"building vk-cocoon's client (golang-go): {build}");
    }
}
