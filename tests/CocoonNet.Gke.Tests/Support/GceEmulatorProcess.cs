using System.Net.Http.Json;
using System.Text.Json;
using CocoonNet.Tests.Support;

namespace CocoonNet.Gke.Tests.Support;

/// <summary>
/// The built GCE emulator running in the sandbox's outside namespace at 203.0.113.1:8080, where the node
/// reaches it like a metadata server and an API endpoint; the test drives it through its control socket.
/// Killed on dispose; the sandbox kills leftovers too.
/// </summary>
internal sealed class GceEmulatorProcess : IDisposable
{
    public const string Address = "203.0.113.1:8080";

    private readonly EmulatorProcess _emulator;

    public GceEmulatorProcess(Sandbox sandbox, params string[] arguments)
    {
        _emulator = EmulatorProcess.Start("gce", "gce-emulator.dll", $"http://{Address}", "emulator/state", ["ip", "netns", "exec", sandbox.Outside], arguments);
    }

    public HttpClient Control => _emulator.Control;

    /// <summary>
    /// What cocoon-net needs to find the emulated GCE, and nothing of the machine's own Google setup: no
    /// key file, no gcloud ADC file (HOME is the sandbox).
    /// </summary>
    public static Dictionary<string, string> Environment(Sandbox sandbox) => new()
    {
        ["GCE_METADATA_HOST"] = Address,
        ["CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE"] = $"http://{Address}/compute/v1/",
        ["GOOGLE_APPLICATION_CREDENTIALS"] = "",
        ["CLOUDSDK_CONFIG"] = Path.Combine(sandbox.Root, "gcloud"),
        ["HOME"] = sandbox.Root,
        ["NO_PROXY"] = "*",
        // The agent's --cloud-check 1s in tests: the plugin's one-minute floor lowered for the emulator.
        ["COCOON_NET_GKE_MIN_STATUS_INTERVAL_SECONDS"] = "1",
    };

    public JsonElement State() => Control.GetFromJsonAsync<JsonElement>("emulator/state").Result;

    public int Mutations() => State().GetProperty("mutations").GetInt32();

    /// <summary>Instances and their aliases, as compact JSON, for before/after comparisons.</summary>
    public string Instances() => State().GetProperty("instances").GetRawText();

    public IReadOnlyList<string> Ranges() =>
        State().GetProperty("subnetwork").GetProperty("secondaryIpRanges").EnumerateArray()
            .Select(r => r.GetProperty("rangeName").GetString() + "=" + r.GetProperty("ipCidrRange").GetString())
            .ToList();

    public string Aliases(string instance)
    {
        var node = State().GetProperty("instances").EnumerateArray().Single(i => i.GetProperty("name").GetString() == instance);
        return node.TryGetProperty("aliasIpRanges", out var aliases)
            ? string.Join(", ", aliases.EnumerateArray().Select(a =>
                (a.TryGetProperty("subnetworkRangeName", out var n) ? n.GetString() + ":" : "") + a.GetProperty("ipCidrRange").GetString()))
            : "";
    }

    public void Faults(object faults) => Control.PostAsJsonAsync("emulator/faults", faults).Result.EnsureSuccessStatusCode();

    public void SeedAliases(string instance, params (string Cidr, string Range)[] aliases) =>
        Control.PutAsJsonAsync($"emulator/instances/{instance}/aliases",
            aliases.Select(a => new { ipCidrRange = a.Cidr, subnetworkRangeName = a.Range }).ToList()).Result.EnsureSuccessStatusCode();

    public void SeedRanges(params (string Name, string Cidr)[] ranges) =>
        Control.PutAsJsonAsync("emulator/subnetwork/secondary-ranges",
            ranges.Select(r => new { rangeName = r.Name, ipCidrRange = r.Cidr }).ToList()).Result.EnsureSuccessStatusCode();

    public void Dispose() => _emulator.Dispose();
}
