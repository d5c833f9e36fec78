using CocoonNet.Node.Linux;
using CocoonNet.Node.State;

namespace CocoonNet.Node.Pipeline.Steps;

/// <summary>
/// The CNI conflist that plugs VM pods into cni0. Its IPAM is empty on purpose: guests take their address
/// from dnsmasq, and a CNI "dhcp" IPAM would be a second DHCP client on the same port.
/// </summary>
internal sealed class CniConfigStep(HostPaths paths) : IHostStep
{
    public const string Conflist = """
        {
          "cniVersion": "1.0.0",
          "name": "dnsmasq-dhcp",
          "plugins": [
            {
              "type": "bridge",
              "bridge": "cni0",
              "isGateway": false,
              "ipMasq": false,
              "ipam": {}
            }
          ]
        }

        """;

    public HostStepId Id => HostStepId.Cni;

    public Task<StepPlan> PlanSetupAsync(HostSpec spec, HostFootprint footprint, CancellationToken cancellationToken)
    {
        var plan = new StepPlan(Id);
        var path = paths.CniConfigFile;
        if (AtomicFile.HasContent(path, Conflist))
        {
            return Task.FromResult(plan);
        }

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
                AtomicFile.Write(path, Conflist, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            });
        return Task.FromResult(plan);
    }

    public Task<StepPlan> PlanTeardownAsync(HostSpec spec, HostFootprint footprint, CancellationToken cancellationToken)
    {
        var plan = new StepPlan(Id);
        var path = paths.CniConfigFile;
        if (footprint.Files.Contains(path) && !File.Exists(path))
        {
            // Owned but gone: nothing to remove.
            footprint.ForgetFile(path);
        }
        else if (footprint.Files.Contains(path))
        {
            plan.Add($"- remove {path}", null, fp =>
            {
                File.Delete(path);
                fp.ForgetFile(path);
            });
        }

        return Task.FromResult(plan);
    }
}
