using System.Text;
using System.Text.Json;
using CocoonNet.Tests.Support;

namespace CocoonNet.Volcengine.Tests.EndToEnd;

/// <summary>
/// The emulator running in the sandbox's outside namespace at 203.0.113.1:8081 (what the node reaches
/// through up0), creating ENI links in the node namespace. Controlled and inspected through its control socket.
/// </summary>
internal sealed class VolcengineEmulator : IDisposable
{
    public const string AccessKey = "AKLTe2etest";
    public const string SecretKey = "e2e-secret-never-printed";
    public const string Url = "http://203.0.113.1:8081";

    private readonly Sandbox _sandbox;
    private readonly EmulatorProcess _emulator;

    public VolcengineEmulator(Sandbox sandbox, params string[] options)
    {
        _sandbox = sandbox;
        // Only the plugins this node needs: no other cloud's detection probes run.
        sandbox.PluginsDirectory = Sandbox.CopyPlugins(Path.Combine(sandbox.Root, "plugins-volcengine"),
            Path.Combine(TestEnvironment.OutDirectory, "plugins"), "adopt", "volcengine");
        // A control path: with --metadata-tokens required a plain metadata GET is refused.
        _emulator = EmulatorProcess.Start("volcengine", "CocoonNet.Emulators.Volcengine.dll", Url, "_emulator/calls", ["ip", "netns", "exec", sandbox.Outside],
            ["--node-netns", sandbox.Node, "--access-key", AccessKey, "--secret-key", SecretKey, .. options]);
    }

    /// <summary>What cocoon-net needs to talk to this emulator.</summary>
    public Dictionary<string, string> Environment(string? secretKey = null) => new()
    {
        ["VOLCENGINE_ENDPOINT"] = Url,
        ["VOLCENGINE_DISABLE_SSL"] = "true",
        ["COCOON_NET_VOLCENGINE_METADATA_URL"] = Url + "/volcstack/latest/",
        ["VOLCENGINE_ACCESS_KEY"] = AccessKey,
        ["VOLCENGINE_SECRET_KEY"] = secretKey ?? SecretKey,
        ["HOME"] = _sandbox.Root,
        // The API client honours proxy variables; the emulator is reached directly whatever the machine sets.
        ["NO_PROXY"] = "*",
    };

    /// <summary>Subnets and ENIs, sorted: equal strings mean equal clouds.</summary>
    public string Inventory() => Get("_emulator/inventory");

    public JsonElement InventoryJson() => JsonDocument.Parse(Inventory()).RootElement;

    public Dictionary<string, int> Calls() => JsonSerializer.Deserialize<Dictionary<string, int>>(Get("_emulator/calls"))!;

    public int Calls(string action) => Calls().GetValueOrDefault(action);

    public string? Held() => JsonDocument.Parse(Get("_emulator/faults")).RootElement.GetProperty("Held").GetString();

    public void SetFaults(string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        _emulator.Control.PostAsync("_emulator/faults", content).Result.EnsureSuccessStatusCode();
    }

    /// <summary>Detaches an ENI at once, as the console or another tool would, behind the node's back.</summary>
    public void DetachBehindTheNode(string eniId) => _emulator.Control.PostAsync($"_emulator/detach/{eniId}", null).Result.EnsureSuccessStatusCode();

    public string Get(string path)
    {
        using var response = _emulator.Control.GetAsync(path).Result;
        return response.IsSuccessStatusCode
            ? response.Content.ReadAsStringAsync().Result
            : throw new InvalidOperationException($"GET {path} from the emulator failed: {(int)response.StatusCode}");
    }

    public void Dispose() => _emulator.Dispose();
}
