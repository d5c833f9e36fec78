using System.Diagnostics;
using System.Text.Json;
using CocoonNet.Tests.Support;

namespace CocoonNet.Volcengine.Tests.EndToEnd;

/// <summary>
/// The emulator running in the sandbox's outside namespace at 203.0.113.1:8081 (what the node reaches
/// through up0), creating ENI links in the node namespace. Controlled and inspected from the node side.
/// </summary>
internal sealed class VolcengineEmulator : IDisposable
{
    public const string AccessKey = "AKLTe2etest";
    public const string SecretKey = "e2e-secret-never-printed";
    public const string Url = "http://203.0.113.1:8081";

    private readonly Sandbox _sandbox;
    private readonly Process _process;

    public VolcengineEmulator(Sandbox sandbox, params string[] options)
    {
        _sandbox = sandbox;
        // Only the plugins this node needs: no other cloud's detection probes run.
        sandbox.PluginsDirectory = Sandbox.CopyPlugins(Path.Combine(sandbox.Root, "plugins-volcengine"),
            Path.Combine(TestEnvironment.OutDirectory, "plugins"), "adopt", "volcengine");
        var dll = Path.Combine(TestEnvironment.OutDirectory, "emulators", "volcengine", "CocoonNet.Emulators.Volcengine.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing (make test-plugins)");
        var info = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["netns", "exec", sandbox.Outside, "dotnet", dll, "--urls", Url, "--node-netns", sandbox.Node,
                     "--access-key", AccessKey, "--secret-key", SecretKey, .. options])
        {
            info.ArgumentList.Add(argument);
        }

        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        for (var i = 0; i < 150; i++)
        {
            // A control path: with --metadata-tokens required a plain metadata GET is refused.
            if (TryGet("_emulator/calls") is not null)
            {
                return;
            }

            Assert.False(_process.HasExited, $"the emulator exited with {(_process.HasExited ? _process.ExitCode : 0)}");
            Thread.Sleep(100);
        }

        throw new TimeoutException("the Volcengine emulator did not start within 15 s");
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
        var result = Shell.Run("ip", ["netns", "exec", _sandbox.Node, "busybox", "wget", "-q", "-O", "-", "--header", "Content-Type: application/json",
            "--post-data", json, $"{Url}/_emulator/faults"]);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    /// <summary>Detaches an ENI at once, as the console or another tool would, behind the node's back.</summary>
    public void DetachBehindTheNode(string eniId)
    {
        var result = Shell.Run("ip", ["netns", "exec", _sandbox.Node, "busybox", "wget", "-q", "-O", "-", "--post-data", "", $"{Url}/_emulator/detach/{eniId}"]);
        Assert.True(result.ExitCode == 0, result.ToString());
    }

    public string Get(string path) => TryGet(path) ?? throw new InvalidOperationException($"GET {path} from the emulator failed");

    public void Dispose()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }

    private string? TryGet(string path)
    {
        // No -T: busybox 1.35 wget crashes with it.
        var result = Shell.Run("ip", ["netns", "exec", _sandbox.Node, "busybox", "wget", "-q", "-O", "-", $"{Url}/{path}"]);
        return result.ExitCode == 0 ? result.Stdout : null;
    }
}
