using CocoonNet.Host;
using System.Net;
using CocoonNet.Node.Linux;
using CocoonNet.Host.Operations;
using CocoonNet.Node.Pipeline;
using CocoonNet.Node.Pipeline.Steps;
using Microsoft.Extensions.Logging.Abstractions;
using NSubstitute;
using NSubstitute.ExceptionExtensions;
using CocoonNet.Node.State;

namespace CocoonNet.Tests.Unit;

/// <summary>Changes apply one at a time: ownership saved before each, lines printed as each is done, teardown best effort.</summary>
public sealed class HostPipelineTests : IDisposable
{
    private static readonly LinkInfo Bridge = new("cni0", 7, "aa:bb:cc:dd:ee:ff", true, "bridge", 0);
    private readonly string _root = Directory.CreateTempSubdirectory("cocoon-pipeline-").FullName;
    private readonly StringWriter _stdout = new();

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
        _stdout.Dispose();
    }

    private HostPipeline Pipeline(params IHostStep[] steps) => new(steps, new ConsoleChangeSink(new ConsoleOutput(_stdout)), NullLogger<HostPipeline>.Instance);

    /// <summary>The footprint checkpointed through <paramref name="save"/>, each time it changed.</summary>
    private sealed class Checkpointed(HostFootprint footprint, Func<CancellationToken, Task> save) : FootprintCheckpoint(footprint)
    {
        protected override Task WriteAsync(HostFootprint snapshot, CancellationToken cancellationToken) => save(cancellationToken);
    }

    [Fact]
    public async Task A_failing_change_has_been_preceded_by_the_lines_and_saved_claims_of_the_changes_before_it()
    {
        var kernel = Substitute.For<IKernelNetwork>();
        var events = new List<string>();
        var created = false;
        kernel.ListLinks().Returns(_ => created ? [Bridge with { IsUp = false }] : []);
        kernel.When(k => k.CreateBridge("cni0")).Do(_ =>
        {
            events.Add("create");
            created = true;
        });
        kernel.When(k => k.AddAddress(Arg.Any<int>(), Arg.Any<IPAddress>(), Arg.Any<int>())).Throw(new IOException("File exists"));
        var footprint = new HostFootprint();
        Task Checkpoint(CancellationToken ct)
        {
            events.Add($"save bridgeCreated={footprint.BridgeCreated} address={footprint.BridgeAddress}");
            return Task.CompletedTask;
        }

        var error = await Assert.ThrowsAsync<StepFailedException>(() =>
            Pipeline(new BridgeStep(kernel)).SetupAsync(RenderingTests.Spec(), new Checkpointed(footprint, Checkpoint), dryRun: false, CancellationToken.None));

        Assert.Equal("bridge: File exists", error.Message);
        Assert.Equal("bridge    + create bridge cni0\n", _stdout.ToString().ReplaceLineEndings("\n"));
        Assert.Equal(
            [
                "save bridgeCreated=True address=",
                "create",
                "save bridgeCreated=True address=172.20.100.1/24",
            ],
            events);
    }

    [Fact]
    public async Task A_dry_run_prints_nothing_itself_and_saves_nothing()
    {
        var kernel = Substitute.For<IKernelNetwork>();
        kernel.ListLinks().Returns([]);
        var saves = 0;
        var plans = await Pipeline(new BridgeStep(kernel)).SetupAsync(RenderingTests.Spec(), new Checkpointed(new HostFootprint(), _ =>
        {
            saves++;
            return Task.CompletedTask;
        }), dryRun: true, CancellationToken.None);

        Assert.Equal(["+ create bridge cni0", "+ add address 172.20.100.1/24 to cni0", "~ fix cni0's MAC address", "~ set cni0 up"], plans[0].Changes);
        Assert.Equal("", _stdout.ToString());
        Assert.Equal(0, saves);
        kernel.DidNotReceiveWithAnyArgs().CreateBridge(default!);
    }

    [Fact]
    public async Task Teardown_carries_on_past_a_failing_change_and_reports_it()
    {
        var kernel = Substitute.For<IKernelNetwork>();
        kernel.ListLinks().Returns([Bridge]);
        kernel.ListAddresses().Returns([]);
        kernel.ListRoutes(RouteConstants.TableMain).Returns([
            new RouteInfo(IPAddress.Parse("172.20.100.2"), 32, 7, RouteConstants.TableMain, RouteConstants.ProtocolCocoonNet, RouteConstants.ScopeLink, RouteConstants.TypeUnicast),
        ]);
        kernel.When(k => k.DeleteRoutes(Arg.Any<IReadOnlyList<RouteInfo>>())).Throw(new IOException("Operation not permitted"));
        var directory = Path.Combine(_root, "etc");
        Directory.CreateDirectory(directory);
        var footprint = new HostFootprint { BridgeCreated = true, Directories = [directory] };
        var saved = new List<HostFootprint>();

        var result = await Pipeline(new DirectoryStep(), new BridgeStep(kernel), new RouteStep(kernel)).TeardownAsync(
            RenderingTests.Spec(), new Checkpointed(footprint, _ =>
            {
                saved.Add(footprint.Snapshot());
                return Task.CompletedTask;
            }), dryRun: false, CancellationToken.None);

        Assert.Equal(["routes: - remove 1 /32 route: 172.20.100.2: Operation not permitted"], result.Failures);
        kernel.Received(1).DeleteLink(7);
        Assert.False(Directory.Exists(directory));
        Assert.True(footprint.OwnsNothing());
        Assert.False(saved[^1].BridgeCreated);
        Assert.Equal(
            [
                "routes    ! failed: - remove 1 /32 route: 172.20.100.2: Operation not permitted",
                "bridge    - delete bridge cni0",
                $"dirs      - remove directory {directory}",
            ],
            _stdout.ToString().ReplaceLineEndings("\n").TrimEnd('\n').Split('\n').Where(l => !l.StartsWith("sysctl", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Teardown_removes_only_recorded_empty_directories()
    {
        string Dir(string name) => Path.Combine(_root, name);
        foreach (var name in new[] { "ours-empty/inner", "ours-busy", "not-ours" })
        {
            Directory.CreateDirectory(Dir(name));
        }

        File.WriteAllText(Path.Combine(Dir("ours-busy"), "someone-elses.conf"), "");
        var footprint = new HostFootprint { Directories = [Dir("ours-empty"), Dir("ours-empty/inner"), Dir("ours-busy"), Dir("gone")] };

        var plan = await new DirectoryStep().PlanTeardownAsync(RenderingTests.Spec(), footprint, CancellationToken.None);
        Assert.Equal([$"- remove directory {Dir("ours-empty/inner")}", $"- remove directory {Dir("ours-empty")}"], plan.Changes);
        Assert.Equal([$"keeping {Dir("ours-busy")}: not empty (someone-elses.conf)"], plan.Notes);
        await plan.Apply(footprint, CancellationToken.None);

        Assert.False(Directory.Exists(Dir("ours-empty")));
        Assert.True(Directory.Exists(Dir("ours-busy")));
        Assert.True(Directory.Exists(Dir("not-ours")));
        Assert.Empty(footprint.Directories);
    }

    [Fact]
    public async Task A_unit_is_on_record_before_it_is_written_and_teardown_removes_it_without_systemd()
    {
        var paths = new HostPaths(_root);
        var runner = Substitute.For<IProcessRunner>();
        runner.RunAsync("systemctl", Arg.Any<IReadOnlyList<string>>(), null, Arg.Any<CancellationToken>())
            .Returns(call => call.ArgAt<IReadOnlyList<string>>(1)[0] == "show"
                ? new ProcessResult(0, "0\n", "")
                : new ProcessResult(1, "", "System has not been booted with systemd as init system (PID 1). Can't operate.\n"));
        var step = new Node.Pipeline.Steps.DnsmasqStep(paths, new Node.Dhcp.DhcpServices(
            [new Node.Dhcp.SystemdDhcpService(paths, runner), new Node.Dhcp.ProcessDhcpService(paths, runner)]));
        var footprint = new HostFootprint();
        var unitOnRecordBeforeWrite = false;
        Task Checkpoint(CancellationToken ct)
        {
            unitOnRecordBeforeWrite |= footprint.DhcpUnitInstalled && !File.Exists(paths.SystemdUnitFile);
            return Task.CompletedTask;
        }

        var spec = RenderingTests.Spec() with { ServiceMode = DhcpServiceMode.Systemd };
        await Assert.ThrowsAsync<StepFailedException>(() => Pipeline(step).SetupAsync(spec, new Checkpointed(footprint, Checkpoint), dryRun: false, CancellationToken.None));
        Assert.True(unitOnRecordBeforeWrite);
        Assert.True(footprint.DhcpUnitInstalled);
        Assert.True(File.Exists(paths.SystemdUnitFile));

        var result = await Pipeline(step).TeardownAsync(spec, new Checkpointed(footprint, _ => Task.CompletedTask), dryRun: false, CancellationToken.None);
        Assert.Empty(result.Failures);
        Assert.False(File.Exists(paths.SystemdUnitFile));
        Assert.False(footprint.DhcpUnitInstalled);
        Assert.Empty(footprint.Files);
    }

    [Fact]
    public void Mountinfo_paths_are_unescaped()
    {
        Assert.Equal("/mnt/with space", MountPoints.Unescape(@"/mnt/with\040space"));
        Assert.Equal("/plain", MountPoints.Unescape("/plain"));
        Assert.Contains("/", MountPoints.Read());
    }
}
