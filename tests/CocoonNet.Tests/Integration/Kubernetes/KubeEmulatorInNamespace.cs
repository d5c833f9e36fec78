using System.Net.Http.Json;
using CocoonNet.Tests.Support;
using k8s;

namespace CocoonNet.Tests.Integration.Kubernetes;

/// <summary>
/// The built Kubernetes API emulator in the sandbox's outside namespace at 203.0.113.1:6443, where the node reaches
/// it through its uplink; the test reaches it through its control socket (no address of the host is used).
/// Dispose kills it.
/// </summary>
internal sealed class KubeEmulatorInNamespace : IDisposable
{
    public const string Address = "203.0.113.1:6443";

    private readonly EmulatorProcess _emulator;

    public KubeEmulatorInNamespace(Sandbox sandbox)
    {
        _emulator = EmulatorProcess.Start("kubernetes", "kube-emulator.dll", $"http://{Address}", "_control/counters", ["ip", "netns", "exec", sandbox.Outside]);
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
    }

    /// <summary>What the agent's --kubeconfig gets: the emulator at 203.0.113.1:6443.</summary>
    public string Kubeconfig { get; }

    public HttpClient Control => _emulator.Control;

    /// <summary>The official client, over the control socket.</summary>
    public k8s.Kubernetes Client()
    {
        var config = new KubernetesClientConfiguration { Host = "http://kube-emulator", AccessToken = "kube-emulator-token" };
        config.FirstMessageHandlerSetup = handler =>
            ((SocketsHttpHandler)handler).ConnectCallback = EmulatorProcess.UnixSocketHandler(_emulator.ControlSocket).ConnectCallback;
        return new k8s.Kubernetes(config);
    }

    /// <summary>While on, every API request's connection is closed without an answer (control requests still work).</summary>
    public void Unreachable(bool on) => Control.PostAsJsonAsync("_control/faults/unreachable", new { on }).Result.EnsureSuccessStatusCode();

    public void Dispose() => _emulator.Dispose();
}
