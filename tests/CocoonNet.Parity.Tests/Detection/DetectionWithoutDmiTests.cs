using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
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
public sealed partial class DetectionWithoutDmiTests(ITestOutputHelper output)
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
        // The sandbox node's default route leads to the outside namespace, which forwards nothing: packets to
        // 169.254.169.254 and 100.96.0.96 vanish there, so connects hang until the probes give up.
        using var sandbox = new Sandbox();

        var (result, elapsed, startup) = InitWithoutPlatform(sandbox, []);

        AssertOneErrorLine(result);
        // 2 s of detection plus this machine's start-up, plus slack: timing under CI load is measured, not held tight.
        Assert.True(elapsed < TimeSpan.FromSeconds(3) + startup, $"took {elapsed.TotalMilliseconds:0} ms (start-up {startup.TotalMilliseconds:0} ms)");
    }

    [PrivilegedFact]
    public void An_unreachable_network_fails_at_once()
    {
        using var sandbox = new Sandbox();
        // Only lo is left in the node: every connect fails with "network unreachable".
        sandbox.InNamespace(sandbox.Node, "ip", "link", "del", "up0");

        var (result, _, _) = InitWithoutPlatform(sandbox, ["-v"]);

        Assert.True(result.ExitCode == 2, result.ToString());
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("Error: could not detect the cloud platform (", lines[^1]);
        Assert.Contains("Network is unreachable", result.Stderr);
        // The probes' own timings, not the process's: start-up under CI load says nothing about the probes.
        var probes = lines.Select(l => ProbeTime().Match(l)).Where(m => m.Success).ToList();
        Assert.Equal(2, probes.Count);
        Assert.All(probes, m => Assert.True(int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) < 1000, m.Value));
    }

    private (CommandResult Result, TimeSpan Elapsed, TimeSpan Startup) InitWithoutPlatform(Sandbox sandbox, string[] flags)
    {
        Dictionary<string, string> quiet = new() { ["COCOON_NET_LOG_LEVEL"] = "info", ["HOME"] = sandbox.Root };
        sandbox.CocoonNet(["--version"], quiet); // warm the page cache: the first start of a test run is not the product's
        var clock = Stopwatch.StartNew();
        sandbox.CocoonNet(["--version"], quiet);
        var startup = clock.Elapsed;
        clock.Restart();
        var result = sandbox.CocoonNet(["init", "--node-name", "n", "--subnet", "10.9.0.0/24", .. flags], quiet);
        var elapsed = clock.Elapsed;
        output.WriteLine($"--version {startup.TotalMilliseconds:0} ms; init without --platform {elapsed.TotalMilliseconds:0} ms\n{result}");
        return (result, elapsed, startup);
    }

    [GeneratedRegex(@"detection \w+: metadata probe without local signal answered no in (\d+) ms")]
    private static partial Regex ProbeTime();

    private static void AssertOneErrorLine(CommandResult result)
    {
        Assert.True(result.ExitCode == 2, result.ToString());
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Error: could not detect the cloud platform (", line);
        Assert.Contains("gke: no local signal, metadata probe: ", line);
        Assert.Contains("volcengine: no local signal, metadata probe: ", line);
        Assert.EndsWith("; pass --platform", line);
    }
}
