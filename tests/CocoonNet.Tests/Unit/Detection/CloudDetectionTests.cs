using System.Diagnostics;
using CocoonNet.Abstractions;
using CocoonNet.Host.Plugins;
using CocoonNet.Tests.Support;
using NSubstitute;

namespace CocoonNet.Tests.Unit.Detection;

/// <summary>
/// The two detection stages under one deadline: a provider's own detection first; metadata probes without a local
/// signal only when nobody answered yes and no provider sees its signal.
/// </summary>
public sealed class CloudDetectionTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(2);

    private readonly ListLogger<CloudDetectionTests> _log = new();

    [Fact]
    public async Task A_stage_one_yes_wins_and_no_probe_runs()
    {
        var gke = Fallback(detect: true, signal: true, probe: true);
        var volc = Fallback(detect: false, signal: false, probe: true);

        var (detected, report) = await RunAsync(("gke", gke), ("volcengine", volc));

        Assert.Equal(["gke"], detected);
        Assert.Equal("gke: yes; volcengine: no local signal, metadata not probed (gke answered yes)", report);
        await ((IDetectionFallback)gke).DidNotReceive().ProbeAsync(Arg.Any<CancellationToken>());
        await ((IDetectionFallback)volc).DidNotReceive().ProbeAsync(Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task A_local_signal_anywhere_blocks_every_probe()
    {
        var gke = Fallback(detect: false, signal: true, probe: true);
        var volc = Fallback(detect: false, signal: false, probe: true);

        var (detected, report) = await RunAsync(("gke", gke), ("volcengine", volc));

        Assert.Empty(detected);
        Assert.Equal("gke: local signal seen, metadata did not confirm; volcengine: no local signal, metadata not probed (gke local signal seen)", report);
        await ((IDetectionFallback)volc).DidNotReceive().ProbeAsync(Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task Without_any_signal_one_probe_yes_is_the_platform()
    {
        var (detected, report) = await RunAsync(
            ("gke", Fallback(detect: false, signal: false, probe: false)),
            ("volcengine", Fallback(detect: false, signal: false, probe: true)));

        Assert.Equal(["volcengine"], detected);
        Assert.Equal("gke: no local signal, metadata probe: no; volcengine: no local signal, metadata probe: yes", report);
        Assert.Contains(_log.Lines, l => l.Message.StartsWith("detection volcengine: metadata probe without local signal answered yes in ", StringComparison.Ordinal));
        Assert.Contains(_log.Lines, l => l.Message.StartsWith("detection gke: local signal none; detect answered no in ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Two_probes_answering_yes_are_ambiguous()
    {
        var (detected, _) = await RunAsync(
            ("gke", Fallback(detect: false, signal: false, probe: true)),
            ("volcengine", Fallback(detect: false, signal: false, probe: true)));

        Assert.Equal(["gke", "volcengine"], detected);
    }

    [Fact]
    public async Task A_hanging_probe_is_cut_by_the_one_deadline()
    {
        var hanging = Fallback(detect: false, signal: false, probe: false);
        ((IDetectionFallback)hanging).ProbeAsync(Arg.Any<CancellationToken>())
            .Returns(async call =>
            {
                await Task.Delay(Timeout.Infinite, call.Arg<CancellationToken>());
                return true;
            });
        // Stage 1 already takes most of the budget: the probe gets only what is left.
        var slow = Fallback(detect: false, signal: false, probe: false);
        slow.DetectAsync(Arg.Any<CancellationToken>()).Returns(async _ =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(300));
            return false;
        });

        var clock = Stopwatch.StartNew();
        var (detected, report) = await new CloudDetection(TimeSpan.FromMilliseconds(500), _log).RunAsync([("gke", hanging), ("volcengine", slow)], CancellationToken.None);

        Assert.Empty(detected);
        // Ends at the deadline, not later: the upper bound is loose because a loaded test machine delays timers.
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(450), TimeSpan.FromSeconds(10));
        Assert.StartsWith("gke: no local signal, metadata probe: no answer within 0.5 s; volcengine: no local signal, metadata probe: no", report);
    }

    [Fact]
    public async Task A_provider_built_before_contract_2_3_is_not_probed_and_blocks_nothing()
    {
        var old = Substitute.For<ICloudProvider>();
        old.DetectAsync(Arg.Any<CancellationToken>()).Returns(false);

        var (detected, report) = await RunAsync(("acme", old), ("volcengine", Fallback(detect: false, signal: false, probe: true)));

        Assert.Equal(["volcengine"], detected);
        Assert.Equal("acme: no; volcengine: no local signal, metadata probe: yes", report);
        Assert.Contains(_log.Lines, l => l.Message.StartsWith("detection acme: local signal not reported (plugin built before contract 2.3)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failing_signal_check_counts_as_a_signal()
    {
        var broken = Fallback(detect: false, signal: false, probe: true);
        ((IDetectionFallback)broken).SeesLocalSignal().Returns(_ => throw new IOException("dmi unreadable"));
        var volc = Fallback(detect: false, signal: false, probe: true);

        var (detected, report) = await RunAsync(("gke", broken), ("volcengine", volc));

        Assert.Empty(detected);
        Assert.Equal("gke: local signal check failed (dmi unreadable); volcengine: no local signal, metadata not probed (gke local signal seen)", report);
        await ((IDetectionFallback)volc).DidNotReceive().ProbeAsync(Arg.Any<CancellationToken>());
    }

    [Fact]
    public async Task No_provider_is_reported_as_such()
    {
        var (detected, report) = await RunAsync();
        Assert.Empty(detected);
        Assert.Equal("no cloud plugin is loaded", report);
    }

    private Task<(IReadOnlyList<string> Detected, string Report)> RunAsync(params (string, ICloudProvider)[] providers) =>
        new CloudDetection(Deadline, _log).RunAsync(providers, CancellationToken.None);

    private static ICloudProvider Fallback(bool detect, bool signal, bool probe)
    {
        var provider = Substitute.For<ICloudProvider, IDetectionFallback>();
        provider.DetectAsync(Arg.Any<CancellationToken>()).Returns(detect);
        var fallback = (IDetectionFallback)provider;
        fallback.SeesLocalSignal().Returns(signal);
        fallback.ProbeAsync(Arg.Any<CancellationToken>()).Returns(probe);
        return provider;
    }
}
