using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using CocoonNet.Tests.Support;
using k8s;

namespace CocoonNet.Kubernetes.Tests.Support;

/// <summary>
/// The built Kubernetes API emulator (out/emulators/kubernetes) on a free loopback port, a kubeconfig for it in a
/// temporary directory, and a client for its /_control endpoints. Start with <c>StartAsync</c>; dispose kills
/// the process and removes the directory, also when the start failed half-way.
/// </summary>
public sealed class KubeEmulator : IAsyncDisposable
{
    private readonly Process _process;

    private KubeEmulator(Process process, string directory)
    {
        _process = process;
        Directory = directory;
        KubeconfigPath = Path.Combine(directory, "kubeconfig");
    }

    /// <summary>The API server address, e.g. http://127.0.0.1:40123/.</summary>
    public Uri Address { get; private set; } = null!;

    /// <summary>A kubeconfig (context "kube-emulator", namespace cocoon-net) pointing at <see cref="Address"/>.</summary>
    public string KubeconfigPath { get; }

    /// <summary>A temporary directory of this emulator's own, removed on dispose.</summary>
    public string Directory { get; }

    /// <summary>Plain HTTP to the emulator (both /_control and the API).</summary>
    public HttpClient Control { get; private set; } = null!;

    /// <param name="arguments">Extra emulator options, e.g. "--HistorySize", "5" or "--BookmarkSeconds", "1".</param>
    public static Task<KubeEmulator> StartAsync(params string[] arguments) => StartAsync([], "http://127.0.0.1:0", arguments);

    /// <summary>
    /// The emulator started through <paramref name="launcher"/> (e.g. ["ip", "netns", "exec", sandbox.Outside]) listening on
    /// <paramref name="url"/> (e.g. http://203.0.113.1:6443), for a node in a network namespace to reach; the
    /// kubeconfig and <see cref="Control"/> use that address, so the test must reach it too.
    /// </summary>
    public static async Task<KubeEmulator> StartAsync(IReadOnlyList<string> launcher, string url, params string[] arguments)
    {
        var dll = Path.Combine(TestEnvironment.OutDirectory, "emulators", "kubernetes", "kube-emulator.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing (make test-plugins)");
        var directory = Path.Combine(Path.GetTempPath(), $"kube-emulator-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(directory);
        string[] command = [.. launcher, "dotnet", dll, "--urls", url, .. arguments];
        var info = new ProcessStartInfo(command[0]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in command[1..])
        {
            info.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch
        {
            System.IO.Directory.Delete(directory, recursive: true);
            throw;
        }

        var emulator = new KubeEmulator(process, directory);
        try
        {
            var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            process.OutputDataReceived += (_, e) =>
            {
                const string marker = "kube-emulator listening on ";
                if (e.Data?.StartsWith(marker, StringComparison.Ordinal) == true)
                {
                    listening.TrySetResult(e.Data[marker.Length..].Trim());
                }
            };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var bound = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
            emulator.Address = new Uri(bound.TrimEnd('/') + "/");
            emulator.Control = new HttpClient { BaseAddress = emulator.Address, Timeout = TimeSpan.FromSeconds(30) };
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

    public async ValueTask DisposeAsync()
    {
        Control?.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        finally
        {
            _process.Dispose();
            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}

/// <summary>One API request from the emulator's log.</summary>
public sealed record KubeRequest(string Verb, string Method, string Path, string Query, int Status);
