using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CocoonNet.Node.Linux;
using CocoonNet.Tests.Support;

namespace CocoonNet.Tests.Integration;

/// <summary>
/// The lease control of a dnsmasq node, driven by vk-cocoon's own client code (vkclient): a VM's lease shows in
/// leases.json within about a second, the release over the control socket ends it in dnsmasq and in leases.json, and
/// the socket is root's alone.
/// </summary>
[Collection(NamespaceCollection.Name)]
public sealed class LeaseControlInNamespacesTests
{
    private static readonly string[] Adopt = ["adopt", "--node-name", "sandbox", "--subnet", "172.20.0.0/24", "--service-manager", "process"];

    [VkClientFact]
    public async Task A_vm_lease_is_looked_up_and_released_as_vk_cocoon_does()
    {
        VkClient.EnsureBuilt();
        using var sandbox = new Sandbox();
        var adopted = sandbox.CocoonNet(Adopt);
        Assert.True(adopted.ExitCode == 0, adopted.ToString());
        using var agent = new AgentProcess(sandbox, []);
        Assert.True(agent.WaitForReady(), agent.Output);

        // The socket exists once the agent is ready, root's and 0600.
        var socket = sandbox.PathOf("/run/cocoon-net/control.sock");
        Assert.True(Posix.TryFacts(socket, out var facts, out _), agent.Output);
        Assert.Equal(FileKind.Socket, facts.Kind);
        Assert.Equal(0u, facts.Uid);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(socket));

        var vm = sandbox.AddVm();
        var ip = sandbox.Dhcp(vm);
        Assert.True(ip is not null, agent.Output);
        var found = Stopwatch.StartNew();
        var mac = sandbox.InNamespace(vm, "cat", "/sys/class/net/eth0/address").Trim();
        var leasesJson = Path.Combine(sandbox.StateDirectory, "leases.json");
        var dnsmasqLeases = sandbox.PathOf("/var/lib/misc/dnsmasq.leases");

        CommandResult lookup;
        while (!(lookup = VkClient.Lookup(sandbox.Node, leasesJson, mac)).Stdout.StartsWith(ip + " ", StringComparison.Ordinal))
        {
            Assert.True(found.Elapsed < TimeSpan.FromSeconds(5), $"{lookup}\n{agent.Output}");
            Thread.Sleep(20);
        }

        Assert.True(found.Elapsed < TimeSpan.FromSeconds(1.5), $"leases.json had the lease only after {found.Elapsed}");

        // A second VM's grant, seen once the mirror surely runs: /metrics counts it, with the pool's active and free addresses.
        var second = sandbox.AddVm();
        Assert.True(sandbox.Dhcp(second) is not null, agent.Output);
        var metrics = Stopwatch.StartNew();
        string text;
        while (!((text = (await RawHttp.GetAsync(sandbox.Node, new IPEndPoint(IPAddress.Loopback, 9092), "/metrics", TimeSpan.FromSeconds(10))).Body)
            .Contains("\ncocoon_net_dhcp_lease_active 2\n", StringComparison.Ordinal)))
        {
            Assert.True(metrics.Elapsed < TimeSpan.FromSeconds(5), text);
            await Task.Delay(50);
        }

        Assert.Contains("\ncocoon_net_dhcp_pool_available 251\n", text, StringComparison.Ordinal);
        Assert.Contains("\ncocoon_net_dhcp_lease_total{result=\"failed\"} 0\n", text, StringComparison.Ordinal);
        Assert.Matches(@"\ncocoon_net_dhcp_lease_total\{result=""ok""\} [12]\n", text);

        var released = VkClient.Release(sandbox.Node, socket, mac);
        Assert.True(released.Stdout.Trim() == "released", $"{released}\n{agent.Output}");
        Assert.DoesNotContain(mac, File.ReadAllText(leasesJson), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(mac, File.ReadAllText(dnsmasqLeases), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(3, VkClient.Lookup(sandbox.Node, leasesJson, mac).ExitCode);

        var again = VkClient.Release(sandbox.Node, socket, mac);
        Assert.True(again.Stdout.Trim() == "released", $"{again}\n{agent.Output}");

        var (badStatus, badBody, _) = await RequestAsync(socket, "DELETE", "/v1/leases/not-a-mac");
        Assert.Equal((400, "invalid MAC address\n"), (badStatus, badBody));
        var (wrongStatus, _, wrongHead) = await RequestAsync(socket, "GET", $"/v1/leases/{mac}");
        Assert.Equal(405, wrongStatus);
        Assert.Contains("\r\nAllow: DELETE\r\n", wrongHead, StringComparison.Ordinal);
        var (listStatus, listBody, _) = await RequestAsync(socket, "GET", "/v1/leases");
        Assert.Equal(200, listStatus);
        Assert.StartsWith("""{"schemaVersion":1,"leases":[{"mac":""", listBody, StringComparison.Ordinal);
        Assert.DoesNotContain(mac, listBody, StringComparison.Ordinal);
        Assert.False(agent.HasExited, agent.Output);

        Assert.True(agent.Terminate(TimeSpan.FromSeconds(10)), agent.Output);
        Assert.False(Path.Exists(socket), "the socket outlived the agent");
    }

    [PrivilegedFact]
    public async Task A_file_at_the_socket_path_is_kept_and_the_agent_serves_on_not_ready_until_it_is_gone()
    {
        using var sandbox = new Sandbox();
        var adopted = sandbox.CocoonNet(Adopt);
        Assert.True(adopted.ExitCode == 0, adopted.ToString());
        var socket = sandbox.PathOf("/run/cocoon-net/control.sock");
        Directory.CreateDirectory(Path.GetDirectoryName(socket)!);
        File.WriteAllText(socket, "not a socket");

        using var agent = new AgentProcess(sandbox, []);
        Assert.True(agent.WaitForReady(), agent.Output);
        var listen = new IPEndPoint(IPAddress.Loopback, 9092);
        var (status, body) = await RawHttp.GetAsync(sandbox.Node, listen, "/readyz", TimeSpan.FromSeconds(10));
        Assert.True(status == 503, body);
        Assert.Contains($"cannot serve the lease control socket {socket}: {socket} is a regular file, not a socket: remove or rename it", body,
            StringComparison.Ordinal);
        Assert.Equal("not a socket", File.ReadAllText(socket));
        // DHCP goes on meanwhile.
        Assert.NotNull(sandbox.Dhcp(sandbox.AddVm()));

        File.Delete(socket);
        var waited = Stopwatch.StartNew();
        while ((await RawHttp.GetAsync(sandbox.Node, listen, "/readyz", TimeSpan.FromSeconds(10))).Status != 200)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(20), agent.Output);
            await Task.Delay(100);
        }

        Assert.True(Posix.TryFacts(socket, out var facts, out _) && facts.Kind == FileKind.Socket, agent.Output);
        Assert.False(agent.HasExited, agent.Output);
    }

    /// <summary>One raw HTTP/1.1 request over the Unix socket: status, body and the head as sent.</summary>
    private static async Task<(int Status, string Body, string Head)> RequestAsync(string path, string method, string target)
    {
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client.ConnectAsync(new UnixDomainSocketEndPoint(path), deadline.Token);
        await client.SendAsync(Encoding.ASCII.GetBytes($"{method} {target} HTTP/1.1\r\nHost: cocoon-net\r\nConnection: close\r\n\r\n"), SocketFlags.None, deadline.Token);
        var received = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        while ((read = await client.ReceiveAsync(buffer, SocketFlags.None, deadline.Token)) > 0)
        {
            received.Write(buffer, 0, read);
        }

        var text = Encoding.UTF8.GetString(received.ToArray());
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var status = int.Parse(text.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
        return (status, split < 0 ? "" : text[(split + 4)..], split < 0 ? text : text[..(split + 2)]);
    }
}
