using CocoonNet.Host.Linux;
using CocoonNet.Host.Logging;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Pipeline.Steps;

/// <summary>
/// Forwarding on, reverse-path filtering off (VM traffic is asymmetric by design). Written directly to
/// /proc/sys, only where the live value differs. Teardown leaves them: other software relies on them.
/// </summary>
internal sealed class SysctlStep(ISysctl sysctl, ILogger<SysctlStep> logger) : IHostStep
{
    public string Name => "sysctl";

    public Task<StepPlan> PlanSetupAsync(HostSpec spec, HostFootprint footprint, CancellationToken cancellationToken)
    {
        var plan = new StepPlan(Name);
        foreach (var (key, value, required) in Desired(spec))
        {
            var live = sysctl.Read(key);
            if (live == value)
            {
                continue;
            }

            if (live is null && key.Contains($".{HostSpec.Bridge}.", StringComparison.Ordinal))
            {
                plan.Add($"~ {key} = {value} (once {HostSpec.Bridge} exists)", null, _ => Write(key, value, required));
            }
            else if (live is null)
            {
                logger.SysctlInterfaceMissing(key);
            }
            else
            {
                plan.Add($"~ {key} {live} -> {value}", null, _ => Write(key, value, required));
            }
        }

        return Task.FromResult(plan);
    }

    private void Write(string key, string value, bool required)
    {
        try
        {
            sysctl.Write(key, value);
        }
        catch (IOException e) when (!required)
        {
            logger.SysctlOptionalFailed(e.Message);
        }
    }

    public Task<StepPlan> PlanTeardownAsync(HostSpec spec, HostFootprint footprint, CancellationToken cancellationToken)
    {
        var plan = new StepPlan(Name);
        plan.Notes.Add("sysctls left as they are (ip_forward and rp_filter are host-wide; other software may rely on them)");
        return Task.FromResult(plan);
    }

    private static IEnumerable<(string Key, string Value, bool Required)> Desired(HostSpec spec)
    {
        yield return ("net.ipv4.ip_forward", "1", true);
        yield return ("net.ipv4.conf.all.rp_filter", "0", true);
        yield return ("net.ipv4.conf.default.rp_filter", "0", true);
        yield return ($"net.ipv4.conf.{HostSpec.Bridge}.rp_filter", "0", true);
        foreach (var nic in spec.ForwardingNics)
        {
            // An interface name's dots become slashes in a sysctl key (eth0.100 -> eth0/100).
            yield return ($"net.ipv4.conf.{nic.Replace('.', '/')}.rp_filter", "0", false);
        }
    }
}
