using System.Net;
using CocoonNet.Node.Leases;
using CocoonNet.Tests.Support;

namespace CocoonNet.Tests.Integration;

/// <summary>
/// A sandbox node adopted with the embedded DHCP server and its agent serving it, shared by a test class (one node,
/// VMs added per test). Made on first use, so a class whose tests are all skipped never builds one.
/// </summary>
public sealed class EmbeddedDhcpNode : IDisposable
{
    public const string Subnet = "172.20.0.0/24";
    public const string Protocol = "204";
    public static readonly IPAddress Gateway = IPAddress.Parse("172.20.0.1");

    internal static readonly string[] Adopt =
        ["adopt", "--node-name", "sandbox", "--subnet", Subnet, "--manage-iptables", "--dhcp", "embedded", "--lease-time", "1h"];

    private readonly Lazy<(Sandbox Sandbox, AgentProcess Agent, DhcpClients Clients)> _node = new(Start);

    internal Sandbox Sandbox => _node.Value.Sandbox;

    internal AgentProcess Agent => _node.Value.Agent;

    internal DhcpClients Clients => _node.Value.Clients;

    internal string LeaseFilePath => LeaseFile.PathIn(Sandbox.StateDirectory);

    internal string ControlSocket => Sandbox.PathOf("/run/cocoon-net/control.sock");

    /// <summary>The leases in leases.json.</summary>
    internal IReadOnlyList<Lease> Leases() => LeaseFile.Read(LeaseFilePath);

    internal Lease? LeaseOf(string mac) => Leases().SingleOrDefault(l => l.Mac == mac);

    /// <summary>The destinations of cocoon-net's routes in the node (the embedded server's: one /32 per lease).</summary>
    internal static IReadOnlyList<string> RouteAddresses(Sandbox sandbox) =>
        sandbox.RoutesWithProtocol(Protocol).Select(r => r.Split(' ')[0].Replace("/32", "", StringComparison.Ordinal)).ToList();

    /// <summary>Every active lease has its /32 route via cni0, and there is no other route of ours.</summary>
    internal static void AssertRoutesMatchLeases(Sandbox sandbox, IReadOnlyList<Lease> leases, string context)
    {
        var routes = sandbox.RoutesWithProtocol(Protocol);
        Assert.True(routes.All(r => r.Contains(" dev cni0", StringComparison.Ordinal)), $"{context}: a route not via cni0: {string.Join('\n', routes)}");
        var routed = RouteAddresses(sandbox).Order(StringComparer.Ordinal).ToList();
        var leased = leases.Where(l => l.IsActive(DateTimeOffset.UtcNow)).Select(l => l.Ip.ToString()).Order(StringComparer.Ordinal).ToList();
        Assert.True(routed.SequenceEqual(leased),
            $"{context}: routes [{string.Join(", ", routed)}] but leases [{string.Join(", ", leased)}]");
    }

    internal void AssertRoutesMatchLeases(string context) => AssertRoutesMatchLeases(Sandbox, Leases(), context);

    /// <summary>A VM on cni0 whose eth0 has <paramref name="mac"/>.</summary>
    internal string AddVm(string mac)
    {
        var vm = Sandbox.AddVm();
        DhcpClients.SetMac(vm, mac);
        return vm;
    }

    /// <summary>DELETE /v1/leases/<paramref name="mac"/> on the control socket: the HTTP status.</summary>
    internal int DeleteLease(string mac) => DeleteLease(ControlSocket, mac);

    internal static int DeleteLease(string socket, string mac)
    {
        var result = Shell.Run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5", "--unix-socket", socket, "-X", "DELETE",
            $"http://localhost/v1/leases/{mac}"]);
        return int.TryParse(result.Stdout, out var status) ? status : -1;
    }

    /// <summary>The agent's /metrics, as Prometheus scrapes it.</summary>
    internal string Metrics() =>
        RawHttp.GetAsync(Sandbox.Node, new IPEndPoint(IPAddress.Loopback, 9092), "/metrics", TimeSpan.FromSeconds(10)).GetAwaiter().GetResult() switch
        {
            (200, var body) => body,
            var (status, body) => throw new InvalidOperationException($"/metrics answered {status}: {body}"),
        };

    internal static bool Eventually(Func<bool> condition, TimeSpan timeout) => Poll.Until(condition, timeout, TimeSpan.FromMilliseconds(50));

    public void Dispose()
    {
        if (_node.IsValueCreated)
        {
            _node.Value.Agent.Dispose();
            _node.Value.Clients.Dispose();
            _node.Value.Sandbox.Dispose();
        }
    }

    /// <summary>Adopts a fresh sandbox node with the embedded backend and starts its agent, ready.</summary>
    internal static (Sandbox, AgentProcess, DhcpClients) Start()
    {
        var sandbox = new Sandbox();
        AgentProcess? agent = null;
        try
        {
            var adopt = sandbox.CocoonNet(Adopt);
            Assert.True(adopt.ExitCode == 0, adopt.ToString());
            agent = new AgentProcess(sandbox, []);
            Assert.True(agent.WaitForReady(), agent.Output);
            return (sandbox, agent, new DhcpClients());
        }
        catch
        {
            agent?.Dispose();
            sandbox.Dispose();
            throw;
        }
    }
}
