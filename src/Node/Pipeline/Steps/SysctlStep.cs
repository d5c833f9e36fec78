using CocoonNet.Node.Linux;
using Microsoft.Extensions.Logging;
using CocoonNet.Node.State;

namespace CocoonNet.Node.Pipeline.Steps;

/// <summary>
/// Forwarding on, reverse-path filtering off (VM traffic is asymmetric by design). Written directly to
/// /proc/sys, only where the live value differs. Teardown leaves them: other software relies on them.
/// </summary>
internal sealed class SysctlStep(ISysctl sysctl, ILogger<SysctlStep> logger) : IHostStep
{
    public HostStepId Id => HostStepId.Sysctl;

    public Task<StepPlan> PlanSetupAsync(HostSpec spec, HostFootprint footprint, CancellationToken cancellationToken)
    {
        var plan = new StepPlan(Id);
        foreach (var setting in Desired(spec))
        {
            var live = sysctl.Read(setting.Key);
            if (live == setting.Value)
            {
                continue;
            }

            if (live is null && setting.OnBridge)
            {
                plan.Add($"~ {setting.Key} = {setting.Value} (once {HostSpec.Bridge} exists)", null, _ => Write(setting));
            }
            else if (live is null)
            {
                logger.SysctlInterfaceMissing(setting.Key);
            }
            else
            {
                plan.Add($"~ {setting.Key} {live} -> {setting.Value}", null, _ => Write(setting));
            }
        }

        return Task.FromResult(plan);
    }

    /// <summary>Writes exactly the value planned for the key (nothing is derived from the key's name).</summary>
    private void Write(SysctlSetting setting)
    {
        try
        {
            sysctl.Write(setting.Key, setting.Value);
        }
        catch (IOException e) when (!setting.Required)
        {
            logger.SysctlOptionalFailed(e.Message);
        }
    }

    public Task<StepPlan> PlanTeardownAsync(HostSpec spec, HostFootprint footprint, CancellationToken cancellationToken)
    {
        var plan = new StepPlan(Id);
        plan.Notes.Add("sysctls left as they are (ip_forward and rp_filter are host-wide; other software may rely on them)");
        return Task.FromResult(plan);
    }

    internal static IEnumerable<SysctlSetting> Desired(HostSpec spec)
    {
        yield return new("net.ipv4.ip_forward", "1", Required: true);
        yield return new("net.ipv4.conf.all.rp_filter", "0", Required: true);
        yield return new("net.ipv4.conf.default.rp_filter", "0", Required: true);
        // cni0 may not exist yet on a first run (the bridge step runs later): written once it does.
        yield return new($"net.ipv4.conf.{HostSpec.Bridge}.rp_filter", "0", Required: true, OnBridge: true);
        foreach (var nic in spec.ForwardingNics)
        {
            // An interface name's dots become slashes in a sysctl key (eth0.100 -> eth0/100).
            yield return new($"net.ipv4.conf.{nic.Replace('.', '/')}.rp_filter", "0", Required: false);
        }
    }
}

/// <summary>
/// One sysctl the host needs: its key (sysctl(8) form), the value to write, whether failing to write it
/// fails the run, and whether it belongs to the bridge cocoon-net creates (so it may not exist yet).
/// </summary>
internal sealed record SysctlSetting(string Key, string Value, bool Required, bool OnBridge = false);
