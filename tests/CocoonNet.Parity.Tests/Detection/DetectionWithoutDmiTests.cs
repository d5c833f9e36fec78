using System.Diagnostics;
using CocoonNet.Tests.Support;
using Xunit.Abstractions;

namespace CocoonNet.Tests.Integration.Detection;

/// <summary>
/// Cloud detection on a node without DMI data, as upstream detects: the metadata services are probed when no cloud
/// shows its local signal. The sandbox root has no /sys/class/dmi/id, and no metadata address is configured: the
/// Volcengine emulator answers at the documented 100.96.0.96:80 itself (an address of the outside namespace, reached
/// through the node's default route), and the GCE probe to 169.254.169.254 goes unanswered inside the sandbox.
/// </summary>
[Collection(ParityCollection.Name)]
public sealed class DetectionWithoutDmiTests(ITestOutputHelper output)
{
    private const string AccessKey = "AKLTdetect";
    private const string SecretKey = "detect-secret-never-printed";

    [PrivilegedFact]
    public void A_volcengine_node_without_dmi_is_detected_by_its_metadata_service()
    {
        using var sandbox = new Sandbox();
        sandbox.InNamespace(sandbox.Outside, "ip", "addr", "add", "100.96.0.96/32", "dev", "lo");
        using var emulator = EmulatorProcess.Start("volcengine", "CocoonNet.Emulators.Volcengine.dll", "http://100.96.0.96:80", "_emulator/calls",
            ["ip", "netns", "exec", sandbox.Outside], ["--node-netns", sandbox.Node, "--access-key", AccessKey, "--secret-key", SecretKey]);

        var clock = Stopwatch.StartNew();
        var result = sandbox.CocoonNet(["init", "--node-name", "n", "--subnet", "172.20.100.0/24", "--dry-run", "-v"], new Dictionary<string, string>
        {
            // The OpenAPI is the emulator too (init plans against it); the metadata URL is deliberately NOT set.
            ["VOLCENGINE_ENDPOINT"] = "http://100.96.0.96",
            ["VOLCENGINE_DISABLE_SSL"] = "true",
            ["VOLCENGINE_ACCESS_KEY"] = AccessKey,
            ["VOLCENGINE_SECRET_KEY"] = SecretKey,
            ["HOME"] = sandbox.Root,
            ["NO_PROXY"] = "*",
        });
        output.WriteLine($"init --dry-run took {clock.ElapsedMilliseconds} ms\n{result}");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("detection volcengine: local signal none; detect answered no", result.Stderr);
        Assert.Contains("detection volcengine: metadata probe without local signal answered yes in ", result.Stderr);
        Assert.Contains("detection gke: metadata probe without local signal answered no", result.Stderr);
        Assert.Contains("volcengine: no local signal, metadata probe: yes", result.Stderr);
        Assert.Contains("detected platform volcengine", result.Stderr);
        Assert.Contains("i-emu00000001", result.Stdout + result.Stderr);
    }

    [PrivilegedFact]
    public void A_machine_whose_metadata_packets_vanish_fails_within_the_deadline()
    {
        using var sandbox = new Sandbox();
        // The default route into a dummy link: packets to 169.254.169.254 and 100.96.0.96 vanish, so connects hang.
        sandbox.InNamespace(sandbox.Node, "ip", "route", "del", "default");
        sandbox.InNamespace(sandbox.Node, "ip", "link", "add", "hole0", "type", "dummy");
        sandbox.InNamespace(sandbox.Node, "ip", "addr", "add", "198.51.100.2/24", "dev", "hole0");
        sandbox.InNamespace(sandbox.Node, "ip", "link", "set", "hole0", "up");
        sandbox.InNamespace(sandbox.Node, "ip", "route", "add", "default", "dev", "hole0");

        var (result, elapsed, startup) = InitWithoutPlatform(sandbox);

        AssertOneErrorLine(result, "metadata probe: no");
        // 2 s of detection plus this machine's start-up, plus slack: timing under CI load is measured, not held tight.
        Assert.True(elapsed < TimeSpan.FromSeconds(3) + startup, $"took {elapsed.TotalMilliseconds:0} ms (start-up {startup.TotalMilliseconds:0} ms)");
    }

    [PrivilegedFact]
    public void An_unreachable_network_fails_at_once()
    {
        using var sandbox = new Sandbox();
        sandbox.InNamespace(sandbox.Node, "ip", "route", "del", "default");

        var (result, elapsed, startup) = InitWithoutPlatform(sandbox);

        AssertOneErrorLine(result, "metadata probe: no");
        Assert.True(elapsed < TimeSpan.FromSeconds(1) + startup, $"took {elapsed.TotalMilliseconds:0} ms (start-up {startup.TotalMilliseconds:0} ms)");
    }

    private (CommandResult Result, TimeSpan Elapsed, TimeSpan Startup) InitWithoutPlatform(Sandbox sandbox)
    {
        Dictionary<string, string> quiet = new() { ["COCOON_NET_LOG_LEVEL"] = "info", ["HOME"] = sandbox.Root };
        sandbox.CocoonNet(["--version"], quiet); // warm the page cache: the first start of a test run is not the product's
        var clock = Stopwatch.StartNew();
        sandbox.CocoonNet(["--version"], quiet);
        var startup = clock.Elapsed;
        clock.Restart();
        var result = sandbox.CocoonNet(["init", "--node-name", "n", "--subnet", "10.9.0.0/24"], quiet);
        var elapsed = clock.Elapsed;
        output.WriteLine($"--version {startup.TotalMilliseconds:0} ms; init without --platform {elapsed.TotalMilliseconds:0} ms\n{result}");
        return (result, elapsed, startup);
    }

    private static void AssertOneErrorLine(CommandResult result, string probeAnswer)
    {
        Assert.True(result.ExitCode == 2, result.ToString());
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Error: could not detect the cloud platform (", line);
        Assert.Contains("gke: no local signal, metadata probe: ", line);
        Assert.Contains("volcengine: no local signal, metadata probe: ", line);
        Assert.Contains(probeAnswer, line);
        Assert.EndsWith("; pass --platform", line);
    }
}
