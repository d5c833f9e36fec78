using System.Diagnostics;
using CocoonNet.Tests.Support;
using Xunit.Abstractions;

namespace CocoonNet.Tests.Integration.Arm64;

/// <summary>
/// The arm64 release runs: its program, unpacked from the tarball, under qemu-aarch64-static with an arm64 Debian
/// sysroot (<see cref="Arm64Release"/>). Each run's time is written to the test output: emulation makes them seconds,
/// not milliseconds, which is why there are only three.
/// </summary>
[Collection(ParityCollection.Name)]
public sealed class Arm64EmulatedRunTests(Arm64Release release, ITestOutputHelper output) : IClassFixture<Arm64Release>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);

    [Arm64Fact]
    public async Task Version_prints_the_release_s_version()
    {
        await ReleaseArtifacts.WaitForArm64Async();
        var version = Timed("--version", Arm64Release.Qemu, [release.Program, "--version"], release.Environment());
        Assert.True(version.ExitCode == 0, version.ToString());
        Assert.Equal($"cocoon-net version {ReleaseArtifacts.Version}\n", version.Stdout);
    }

    [Arm64Fact]
    public async Task Plugins_loads_the_three_first_party_plugins_from_beside_the_program()
    {
        await ReleaseArtifacts.WaitForArm64Async();
        var plugins = Timed("plugins", Arm64Release.Qemu, [release.Program, "plugins"], release.Environment());
        Assert.True(plugins.ExitCode == 0, plugins.ToString());
        Assert.Contains($"plugins directory: {Path.Combine(Path.GetDirectoryName(release.Program)!, "plugins")}\n", plugins.Stdout);
        foreach (var name in new[] { "adopt", "gke", "volcengine" })
        {
            Assert.Matches($@"(?m)^{name}\s.*\sloaded$", plugins.Stdout);
        }
    }

    [Arm64Fact(root: true)]
    public async Task Adopt_dry_run_on_a_sandbox_node_plans_what_the_x86_64_program_plans()
    {
        await ReleaseArtifacts.WaitForArm64Async();
        // The dry run reads the node (links, addresses, routes over NETLINK_ROUTE, which QEMU translates) and
        // changes nothing; the x86_64 build's plan for the same node is the reference.
        using var sandbox = new Sandbox();
        string[] plan = ["adopt", "--node-name", "sandbox", "--subnet", "172.20.0.0/24", "--dry-run"];
        var native = sandbox.CocoonNet(plan);
        Assert.True(native.ExitCode == 0, native.ToString());

        var emulated = Timed("adopt --dry-run", "ip", ["netns", "exec", sandbox.Node, Arm64Release.Qemu, release.Program, .. plan],
            release.Environment(new Dictionary<string, string> { ["COCOON_NET_ROOT"] = sandbox.Root }));
        Assert.True(emulated.ExitCode == 0, emulated.ToString());
        Assert.Contains("plan:", emulated.Stdout);
        Assert.Equal(native.Stdout, emulated.Stdout);
        Assert.False(File.Exists(Path.Combine(sandbox.StateDirectory, "pool.json")));
        Assert.DoesNotContain("cni0", sandbox.Links(sandbox.Node));
    }

    private CommandResult Timed(string what, string file, string[] arguments, Dictionary<string, string> environment)
    {
        var clock = Stopwatch.StartNew();
        var result = Shell.Run(file, arguments, environment, Deadline);
        output.WriteLine($"emulated arm64 `cocoon-net {what}`: {clock.Elapsed.TotalSeconds:F2} s (sysroot ready in {release.SysrootTime.TotalSeconds:F1} s)");
        return result;
    }
}
