using System.Diagnostics;
using CocoonNet.Abstractions;
using CocoonNet.Gke.Tests.Support;
using CocoonNet.Providers.Gke;
using Microsoft.Extensions.DependencyInjection;

namespace CocoonNet.Gke.Tests.Unit;

/// <summary>
/// Contract 2.3's fallback: the local signal (DMI or an explicit GCE_METADATA_HOST) reported on its own, and the
/// probe without it, which answers yes only for a flavored metadata server (the emulator on loopback).
/// </summary>
public sealed class DetectionFallbackTests
{
    [Fact]
    public async Task Without_google_hardware_the_probe_still_finds_the_metadata_server()
    {
        await using var gce = await InProcessGce.StartAsync();
        using var services = gce.Services(s => s.Configure<GkeOptions>(o => o.MetadataHostOverridden = false));
        var fallback = Assert.IsAssignableFrom<IDetectionFallback>(gce.Provider(services));

        Assert.False(fallback.SeesLocalSignal());
        Assert.False(await gce.Provider(services).DetectAsync(default));
        // A cold in-process server can miss the probe's 800 ms on a loaded machine: warm it (see ProvisionAgainstEmulatorTests).
        using (var warm = new HttpClient())
        {
            _ = await warm.GetAsync(gce.Address);
        }

        Assert.True(await fallback.ProbeAsync(default));
        gce.Host.Write("/sys/class/dmi/id/sys_vendor", "Google\n");
        Assert.True(fallback.SeesLocalSignal());
    }

    [Fact]
    public async Task An_explicit_metadata_host_is_a_local_signal()
    {
        await using var gce = await InProcessGce.StartAsync();
        using var services = gce.Services();
        Assert.True(Assert.IsAssignableFrom<IDetectionFallback>(gce.Provider(services)).SeesLocalSignal());
    }

    [Fact]
    public async Task A_refused_connection_answers_no_at_once()
    {
        await using var gce = await InProcessGce.StartAsync();
        // Port 1 on loopback: nothing listens, the kernel refuses at once, as an unreachable network fails at once.
        using var services = gce.Services(s => s.Configure<GkeOptions>(o => (o.MetadataHost, o.MetadataHostOverridden) = ("127.0.0.1:1", false)));
        var clock = Stopwatch.StartNew();
        Assert.False(await Assert.IsAssignableFrom<IDetectionFallback>(gce.Provider(services)).ProbeAsync(default));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed.TotalMilliseconds:0} ms");
    }
}
