using System.Globalization;
using System.Text;
using System.Text.Json;
using CocoonNet.Abstractions;
using CocoonNet.Host.Dhcp;
using CocoonNet.Host.Linux;
using CocoonNet.Host.Pipeline;
using CocoonNet.Host.State;
using CocoonNet.Host.Logging;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Operations;

/// <summary>
/// <c>cocoon-net status</c>: upstream's state lines, then live cloud facts (init nodes only: adopted nodes
/// never reach the cloud), then live host facts. Read-only; takes no lock.
/// </summary>
internal sealed class StatusOperation(
    PlatformRegistry registry,
    IKernelNetwork kernel,
    DhcpServices dhcp,
    TimeProvider time,
    ConsoleOutput output,
    ILogger<StatusOperation> logger)
{
    public async Task<int> RunAsync(string stateDirectory, bool json, CancellationToken cancellationToken)
    {
        var store = new PoolStateStore(stateDirectory, time);
        var state = store.Load()
            ?? throw new InvalidOperationException($"no pool state at {store.Path} (run 'cocoon-net init' or 'cocoon-net adopt' first)");

        var fields = new List<StatusField>
        {
            new("Platform", state.Platform),
            new("Node", state.NodeName),
            new("Subnet", state.Subnet),
            new("Gateway", state.Gateway),
            new("IPs", (state.Ips?.Count ?? 0).ToString(CultureInfo.InvariantCulture)),
            new("Updated", state.UpdatedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture) + "Z"),
        };
        fields.AddRange(await CloudFieldsAsync(state, cancellationToken).ConfigureAwait(false));
        fields.Add(new("Mode", state.Mode));
        fields.AddRange(await HostFieldsAsync(state, cancellationToken).ConfigureAwait(false));

        if (json)
        {
            output.Line(ToJson(fields));
        }
        else
        {
            foreach (var field in fields)
            {
                output.Line($"{field.Label + ":",-12}{field.Value}");
            }
        }

        return ExitCodes.Success;
    }

    private async Task<IReadOnlyList<StatusField>> CloudFieldsAsync(PoolState state, CancellationToken cancellationToken)
    {
        if (state.Mode != PoolState.ModeInit)
        {
            return [];
        }

        if (registry.Provider(state.Platform) is not { } provider)
        {
            logger.CloudStatusUnavailable($"no loaded plugin serves {state.Platform}");
            return [];
        }

        try
        {
            var status = await provider.GetStatusAsync(InitOperation.ToResources(state), cancellationToken).ConfigureAwait(false);
            return status.Fields;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.CloudStatusUnavailable(e.Message);
            return [];
        }
    }

    private async Task<IReadOnlyList<StatusField>> HostFieldsAsync(PoolState state, CancellationToken cancellationToken)
    {
        var bridge = kernel.ListLinks().FirstOrDefault(l => l.Name == HostSpec.Bridge);
        var ips = (state.Ips ?? []).ToHashSet();
        var routed = bridge is null
            ? 0
            : kernel.ListRoutes(RouteConstants.TableMain)
                .Count(r => r.PrefixLength == 32 && r.OutputIndex == bridge.Index && ips.Contains(r.Destination.ToString()));
        var dhcpMode = state.Host.DhcpService;
        var pid = dhcpMode is null ? null : await dhcp.For(dhcpMode).RunningPidAsync(cancellationToken).ConfigureAwait(false);
        return
        [
            new("Bridge", bridge is null ? "cni0 missing" : $"cni0 {(bridge.IsUp ? "up" : "down")}"),
            new("Routes", $"{routed}/{ips.Count}"),
            new("DHCP", pid is null ? $"not running{(dhcpMode is null ? "" : $" ({dhcpMode})")}" : $"running ({dhcpMode}, pid {pid})"),
            new("Iptables", state.Host.Iptables ? "managed" : "not managed"),
        ];
    }

    private static string ToJson(IReadOnlyList<StatusField> fields)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            foreach (var field in fields)
            {
                var key = char.ToLowerInvariant(field.Label[0]) + field.Label[1..];
                if (field.Label == "IPs" && int.TryParse(field.Value, out var count))
                {
                    writer.WriteNumber("ips", count);
                }
                else
                {
                    writer.WriteString(key, field.Value);
                }
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
