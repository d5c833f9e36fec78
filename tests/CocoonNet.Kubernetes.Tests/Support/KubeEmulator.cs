using System.Net.Http.Json;
using System.Text.Json;
using CocoonNet.Tests.Support;
using k8s;

namespace CocoonNet.Kubernetes.Tests.Support;

/// <summary>
/// The built Kubernetes API emulator (out/emulators/kubernetes) on a free loopback port, a kubeconfig for it in the
/// emulator's own temporary directory, and a client for its /_control endpoints. Start with <c>StartAsync</c>; dispose
/// kills the process and removes the directory, also when the start failed half-way.
/// </summary>
public sealed class KubeEmulator : IAsyncDisposable
{
    private readonly EmulatorProcess _emulator;

    private KubeEmulator(EmulatorProcess emulator)
    {
        _emulator = emulator;
        KubeconfigPath = Path.Combine(emulator.Directory, "kubeconfig");
    }

    /// <summary>The API server address, e.g. http://127.0.0.1:40123/.</summary>
    public Uri Address => _emulator.Url;

    /// <summary>A kubeconfig (context "kube-emulator", namespace cocoon-net) pointing at <see cref="Address"/>.</summary>
    public string KubeconfigPath { get; }

    /// <summary>A temporary directory of this emulator's own, removed on dispose.</summary>
    public string Directory => _emulator.Directory;

    /// <summary>Plain HTTP to the emulator (both /_control and the API).</summary>
    public HttpClient Control => _emulator.Control;

    /// <param name="arguments">Extra emulator options, e.g. "--HistorySize", "5" or "--BookmarkSeconds", "1".</param>
    public static async Task<KubeEmulator> StartAsync(params string[] arguments)
    {
        var emulator = new KubeEmulator(await EmulatorProcess.StartAsync("kubernetes", "kube-emulator.dll", "http://127.0.0.1:0", "_control/counters", [], arguments));
        try
        {
            await File.WriteAllTextAsync(emulator.KubeconfigPath, $"""
                apiVersion: v1
                kind: Config
                clusters:
                - name: kube-emulator
                  cluster:
                    server: {emulator.Address.ToString().TrimEnd('/')}
                users:
                - name: kube-emulator
                  user:
                    token: kube-emulator-token
                contexts:
                - name: kube-emulator
                  context:
                    cluster: kube-emulator
                    user: kube-emulator
                    namespace: cocoon-net
                current-context: kube-emulator
                """);
            return emulator;
        }
        catch
        {
            await emulator.DisposeAsync();
            throw;
        }
    }

    /// <summary>The official client, configured from <see cref="KubeconfigPath"/> as the agent's --kubeconfig would be.</summary>
    public k8s.Kubernetes Client() => new(KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath));

    /// <summary>The next <paramref name="count"/> requests matching verb (get/list/watch/create/update/patch/delete) and path prefix fail with <paramref name="status"/>.</summary>
    public async Task FailAsync(int status, int count = 1, string? verb = null, string? path = null, int? retryAfterSeconds = null, string? message = null) =>
        (await Control.PostAsJsonAsync("_control/faults/fail", new { status, count, verb, path, retryAfterSeconds, message })).EnsureSuccessStatusCode();

    /// <summary>The next <paramref name="count"/> watches (on paths starting with <paramref name="path"/>) lose their connection after <paramref name="afterEvents"/> events (0: at once).</summary>
    public async Task DropWatchAsync(int afterEvents = 0, int count = 1, string? path = null) =>
        (await Control.PostAsJsonAsync("_control/faults/watch-drop", new { afterEvents, count, path })).EnsureSuccessStatusCode();

    /// <summary>While on, every API request's connection is closed without an answer.</summary>
    public async Task UnreachableAsync(bool on) =>
        (await Control.PostAsJsonAsync("_control/faults/unreachable", new { on })).EnsureSuccessStatusCode();

    public async Task LatencyAsync(int milliseconds) =>
        (await Control.PostAsJsonAsync("_control/faults/latency", new { milliseconds })).EnsureSuccessStatusCode();

    /// <summary>Clears every fault (failures, watch drops, unreachable, latency).</summary>
    public async Task ClearFaultsAsync() => (await Control.DeleteAsync("_control/faults")).EnsureSuccessStatusCode();

    /// <summary>Forgets the watch history: a watch from an older resourceVersion gets 410 Gone "Expired".</summary>
    public async Task CompactAsync() => (await Control.PostAsync("_control/compact", null)).EnsureSuccessStatusCode();

    /// <summary>No objects, faults or request log (resourceVersions keep increasing; open watches end).</summary>
    public async Task ResetAsync() => (await Control.PostAsync("_control/reset", null)).EnsureSuccessStatusCode();

    /// <summary>Every API request so far: verb, method, path, query and the status answered (0: connection aborted).</summary>
    public async Task<IReadOnlyList<KubeRequest>> RequestsAsync() =>
        await Control.GetFromJsonAsync<List<KubeRequest>>("_control/requests", JsonSerializerOptions.Web) ?? [];

    /// <summary>How many requests of <paramref name="verb"/> hit exactly <paramref name="path"/> (query left out).</summary>
    public async Task<int> CountAsync(string verb, string path) =>
        (await Control.GetFromJsonAsync<Dictionary<string, int>>("_control/counters"))!.GetValueOrDefault($"{verb} {path}");

    /// <summary>Every stored object, as the API would return it.</summary>
    public async Task<JsonElement> StateAsync() => await Control.GetFromJsonAsync<JsonElement>("_control/state");

    public ValueTask DisposeAsync() => _emulator.DisposeAsync();
}

/// <summary>One API request from the emulator's log.</summary>
public sealed record KubeRequest(string Verb, string Method, string Path, string Query, int Status);
