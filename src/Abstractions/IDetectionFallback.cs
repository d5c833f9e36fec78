#if !CONTRACT_BEFORE_2_3
namespace CocoonNet.Abstractions;

/// <summary>
/// Detection for a cloud whose cheap local signal (see <see cref="ICloudProvider.DetectAsync"/>) may be missing on
/// some of its instances, e.g. images whose DMI data does not name the cloud, or machines without
/// <c>/sys/class/dmi/id</c>. Implement it on the same class as <see cref="ICloudProvider"/>. Added in contract 2.3.
/// </summary>
/// <remarks>
/// The host asks it only when no provider's <see cref="ICloudProvider.DetectAsync"/> answered yes and no provider
/// <see cref="SeesLocalSignal"/>: a machine that shows one cloud's signal is never made to probe another cloud's
/// metadata address. Then every implementing provider's <see cref="ProbeAsync"/> runs concurrently, as upstream
/// probes every metadata service; one answer is the platform, two are ambiguous, none is "not detected".
/// </remarks>
public interface IDetectionFallback
{
    /// <summary>
    /// True when <see cref="ICloudProvider.DetectAsync"/>'s cheap local signal is present (or the operator named
    /// this cloud's metadata address explicitly). Local reads only, no network: it must return at once.
    /// </summary>
    bool SeesLocalSignal();

    /// <summary>
    /// Probes this cloud's metadata service at its documented default address, without the local signal. Runs
    /// within what is left of the host's one detection deadline (2 s for both stages): honour
    /// <paramref name="cancellationToken"/>, and return false at once when the network is unreachable. Answer true
    /// only on a response that only this cloud's metadata service gives (e.g. GCE's <c>Metadata-Flavor: Google</c>
    /// header), never on any HTTP answer: another cloud, a proxy or a captive portal may hold the address.
    /// </summary>
    Task<bool> ProbeAsync(CancellationToken cancellationToken);
}
#endif
