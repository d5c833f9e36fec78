using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;

namespace CocoonNet.Tests.Support;

/// <summary>
/// One built emulator (out/emulators/&lt;name&gt;) running as a process of its own, optionally through a launcher such
/// as <c>ip netns exec &lt;namespace&gt;</c>. Besides its URL it serves a Unix socket in a temporary directory of its
/// own, through which <see cref="Control"/> reaches its fault switches and state wherever it runs (sockets ignore
/// network namespaces). Ready once the control path answers; dispose kills it and removes the directory, also when
/// the start failed half-way.
/// </summary>
internal sealed class EmulatorProcess : IDisposable, IAsyncDisposable
{
    private const string ListeningMarker = "listening on ";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _errors = new();

    private EmulatorProcess(Process process, string directory, Uri url)
    {
        _process = process;
        Directory = directory;
        Url = url;
        Control = new HttpClient(UnixSocketHandler(ControlSocket)) { BaseAddress = new Uri("http://emulator/"), Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>The address it serves (with the real port when started on port 0), ending in '/'.</summary>
    public Uri Url { get; private set; }

    /// <summary>A temporary directory of this emulator's own (the control socket, kubeconfigs), removed on dispose.</summary>
    public string Directory { get; }

    public string ControlSocket => Path.Combine(Directory, "control.sock");

    /// <summary>Plain HTTP to the emulator through its control socket: its control endpoints and its API alike.</summary>
    public HttpClient Control { get; }

    /// <param name="name">The folder under out/emulators, e.g. "gce".</param>
    /// <param name="assembly">The emulator's entry assembly in that folder, e.g. "gce-emulator.dll".</param>
    /// <param name="url">What it serves, e.g. http://203.0.113.1:8080; port 0 when it prints "listening on &lt;url&gt;" (kube-emulator does).</param>
    /// <param name="readyPath">A control GET that succeeds once it serves.</param>
    /// <param name="launcher">What runs it, e.g. ["ip", "netns", "exec", sandbox.Outside]; empty: directly.</param>
    /// <param name="arguments">The emulator's own options.</param>
    public static EmulatorProcess Start(string name, string assembly, string url, string readyPath, IReadOnlyList<string> launcher, params IEnumerable<string> arguments) =>
        StartAsync(name, assembly, url, readyPath, launcher, arguments).GetAwaiter().GetResult();

    /// <inheritdoc cref="Start"/>
    public static async Task<EmulatorProcess> StartAsync(string name, string assembly, string url, string readyPath, IReadOnlyList<string> launcher, params IEnumerable<string> arguments)
    {
        var dll = Path.Combine(TestEnvironment.OutDirectory, "emulators", name, assembly);
        Assert.True(File.Exists(dll), $"{dll} is missing (make test-plugins)");
        var directory = System.IO.Directory.CreateTempSubdirectory($"{name}-emulator-").FullName;
        string[] command = [.. launcher, "dotnet", dll, "--urls", $"{url};http://unix:{Path.Combine(directory, "control.sock")}", .. arguments];
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

        var emulator = new EmulatorProcess(process, directory, new Uri(url.TrimEnd('/') + "/"));
        try
        {
            await emulator.WaitUntilServingAsync(name, readyPath, waitForPort: new Uri(url).Port == 0).ConfigureAwait(false);
            return emulator;
        }
        catch
        {
            await emulator.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>An HTTP handler whose every connection goes to the Unix socket at <paramref name="path"/>.</summary>
    public static SocketsHttpHandler UnixSocketHandler(string path) => new()
    {
        ConnectCallback = async (_, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        Control.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            // Already gone, or stuck in the kernel: nothing more a test can do about it.
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

    private async Task WaitUntilServingAsync(string name, string readyPath, bool waitForPort)
    {
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _process.OutputDataReceived += (_, e) =>
        {
            var at = e.Data?.IndexOf(ListeningMarker, StringComparison.Ordinal) ?? -1;
            if (at >= 0)
            {
                listening.TrySetResult(e.Data![(at + ListeningMarker.Length)..].Trim());
            }
        };
        _process.ErrorDataReceived += (_, e) =>
        {
            // The last lines it wrote, for the failure message when it exits at start.
            if (e.Data is not null && _errors.Count < 20)
            {
                _errors.Enqueue(e.Data);
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var started = Stopwatch.StartNew();
        while (true)
        {
            Assert.False(_process.HasExited, $"the {name} emulator exited at start ({string.Join(" | ", _errors)})");
            if (File.Exists(ControlSocket) && await AnswersAsync(readyPath).ConfigureAwait(false))
            {
                break;
            }

            Assert.True(started.Elapsed < StartTimeout, $"the {name} emulator did not start within {StartTimeout.TotalSeconds} s");
            await Task.Delay(100).ConfigureAwait(false);
        }

        if (waitForPort)
        {
            var bound = await listening.Task.WaitAsync(StartTimeout).ConfigureAwait(false);
            Url = new Uri(bound.TrimEnd('/') + "/");
        }
    }

    private async Task<bool> AnswersAsync(string path)
    {
        try
        {
            using var response = await Control.GetAsync(path).ConfigureAwait(false);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}
