using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.Sockets;
using CocoonNet.Tests.Support;
using k8s;

namespace CocoonNet.Tests.Integration.Kubernetes;

/// <summary>
/// The built Kubernetes API emulator in the sandbox's outside namespace at 203.0.113.1:6443, where the node reaches
/// it through its uplink; the test reaches it through a unix socket (no address of the host is used).
/// Dispose kills it.
/// </summary>
internal sealed class KubeEmulatorInNamespace : IDisposable
{
    public const string Address = "203.0.113.1:6443";

    private readonly Process _process;
    private readonly string _socket;

    public KubeEmulatorInNamespace(Sandbox sandbox)
    {
        var dll = Path.Combine(TestEnvironment.OutDirectory, "emulators", "kubernetes", "kube-emulator.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing (make test-plugins)");
        _socket = Path.Combine(sandbox.Root, "kube-emulator.sock");
        var info = new ProcessStartInfo("ip") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["netns", "exec", sandbox.Outside, "dotnet", dll, "--urls", $"http://{Address};http://unix:{_socket}"])
        {
            info.ArgumentList.Add(argument);
        }

        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Control = new HttpClient(Handler()) { BaseAddress = new Uri("http://kube-emulator/") };
        Kubeconfig = Path.Combine(sandbox.Root, "kubeconfig");
        File.WriteAllText(Kubeconfig, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: emu
              cluster:
                server: http://{Address}
            users:
            - name: emu
              user:
                token: kube-emulator-token
            contexts:
            - name: emu
              context:
                cluster: emu
                user: emu
            current-context: emu
            """);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            Assert.False(_process.HasExited, "the Kubernetes emulator exited at start");
            try
            {
                if (File.Exists(_socket) && Control.GetAsync("_control/counters").Result.IsSuccessStatusCode)
                {
                    break;
                }
            }
            catch (AggregateException)
            {
                // Not listening yet.
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), "the Kubernetes emulator did not start within 60 s");
            Thread.Sleep(100);
        }
    }

    /// <summary>What the agent's --kubeconfig gets: the emulator at 203.0.113.1:6443.</summary>
    public string Kubeconfig { get; }

    public HttpClient Control { get; }

    /// <summary>The official client, over the unix socket.</summary>
    public k8s.Kubernetes Client()
    {
        var config = new KubernetesClientConfiguration { Host = "http://kube-emulator", AccessToken = "kube-emulator-token" };
        config.FirstMessageHandlerSetup = handler => ((SocketsHttpHandler)handler).ConnectCallback = Connect;
        return new k8s.Kubernetes(config);
    }

    /// <summary>While on, every API request's connection is closed without an answer (control requests still work).</summary>
    public void Unreachable(bool on) => Control.PostAsJsonAsync("_control/faults/unreachable", new { on }).Result.EnsureSuccessStatusCode();

    public void Dispose()
    {
        Control.Dispose();
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }

    private SocketsHttpHandler Handler() => new() { ConnectCallback = Connect };

    private async ValueTask<Stream> Connect(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await s.ConnectAsync(new UnixDomainSocketEndPoint(_socket), cancellationToken);
        return new NetworkStream(s, ownsSocket: true);
    }
}
