using CocoonNet.Node.Leases;
using CocoonNet.Node.Linux;
using CocoonNet.Node.State;

namespace CocoonNet.Node.Pipeline.Steps;

/// <summary>
/// The CNI conflist that plugs VM pods into cni0, one per DHCP backend: <c>30-dnsmasq-dhcp.conflist</c> (network
/// <c>dnsmasq-dhcp</c>) or <c>30-cocoon-dhcp.conflist</c> (network <c>cocoon-dhcp</c>, upstream's newest name). Only
/// one of ours at a time: the other backend's, when the footprint records it as ours, goes. Its IPAM is empty on
/// purpose: guests take their address from the DHCP server on cni0, and a CNI "dhcp" IPAM would be a second DHCP
/// client on the same port.
/// </summary>
internal sealed class CniConfigStep(HostPaths paths) : IHostStep
{
    /// <summary>The dnsmasq backend's conflist with the defaults (isolation and MAC spoof check on, no MTU known).</summary>
    public static readonly string Conflist = ConflistFor(DhcpBackend.Dnsmasq);

    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public HostStepId Id => HostStepId.Cni;

    /// <summary>The conflist <paramref name="spec"/> asks for.</summary>
    public static string ConflistFor(HostSpec spec) => ConflistFor(spec.Backend, spec.Mtu, spec.VmIsolation, spec.AntiSpoofing);

    /// <summary>
    /// The conflist of <paramref name="backend"/> (only the network name differs between backends). The bridge plugin
    /// gives each veth <paramref name="mtu"/> (left out when unknown: the plugin's default), and, when it knows the keys
    /// (Debian's 1.1.1 predates <c>portIsolation</c> and ignores it), isolates the port and pins its source MAC. cocoon-net
    /// does not rely on either: the bridge step and the agent set BR_ISOLATED, the port-security table checks MAC and address.
    /// </summary>
    public static string ConflistFor(DhcpBackend backend, int? mtu = null, bool portIsolation = true, bool macSpoofCheck = true)
    {
        var mtuLine = mtu is { } m ? $"\n      \"mtu\": {m.ToString(System.Globalization.CultureInfo.InvariantCulture)}," : "";
        return $$"""
            {
              "cniVersion": "1.0.0",
              "name": "{{backend.Network()}}",
              "plugins": [
                {
                  "type": "bridge",
                  "bridge": "cni0",
                  "isGateway": false,
                  "ipMasq": false,{{mtuLine}}
                  "portIsolation": {{Json(portIsolation)}},
                  "macspoofchk": {{Json(macSpoofCheck)}},
                  "ipam": {}
                }
              ]
            }

            """;
    }

    /// <summary>Where <paramref name="backend"/>'s conflist lives.</summary>
    public string PathOf(DhcpBackend backend) => backend == DhcpBackend.Embedded ? paths.EmbeddedCniConfigFile : paths.CniConfigFile;

    public Task<StepPlan> PlanSetupAsync(HostSpec spec, HostFootprint footprint, CancellationToken cancellationToken)
    {
        var plan = new StepPlan(Id);
        var path = PathOf(spec.Backend);
        var conflist = ConflistFor(spec);
        if (!AtomicFile.HasContent(path, conflist))
        {
            var existed = File.Exists(path);
            var directory = Path.GetDirectoryName(path)!;
            plan.Add(
                existed ? $"~ update {path}" : $"+ write {path}",
                fp =>
                {
                    fp.ClaimDirectories(directory);
                    if (!existed)
                    {
                        fp.RecordCreatedFile(path);
                    }
                },
                _ =>
                {
                    Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute);
                    AtomicFile.Write(path, conflist, FileMode);
                });
        }

        // The other backend's conflist, when ours: two networks on cni0 would let the engine pick the wrong one.
        var other = spec.Backend == DhcpBackend.Embedded ? DhcpBackend.Dnsmasq : DhcpBackend.Embedded;
        PlanRemoval(plan, PathOf(other), footprint);
        return Task.FromResult(plan);
    }

    public Task<StepPlan> PlanTeardownAsync(HostSpec spec, HostFootprint footprint, CancellationToken cancellationToken)
    {
        var plan = new StepPlan(Id);
        foreach (var backend in new[] { DhcpBackend.Dnsmasq, DhcpBackend.Embedded })
        {
            PlanRemoval(plan, PathOf(backend), footprint);
        }

        return Task.FromResult(plan);
    }

    private static string Json(bool value) => value ? "true" : "false";

    /// <summary>Removes <paramref name="path"/> when the footprint records it as ours; one that is not is never touched.</summary>
    private static void PlanRemoval(StepPlan plan, string path, HostFootprint footprint)
    {
        if (!footprint.Files.Contains(path))
        {
            return;
        }

        if (!File.Exists(path))
        {
            // Owned but gone: nothing to remove.
            footprint.ForgetFile(path);
            return;
        }

        plan.Add($"- remove {path}", null, fp =>
        {
            File.Delete(path);
            fp.ForgetFile(path);
        });
    }
}
