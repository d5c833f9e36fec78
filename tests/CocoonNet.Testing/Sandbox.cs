using System.Text.RegularExpressions;

namespace CocoonNet.Tests.Support;

/// <summary>
/// A sandbox node: a "node" namespace that cocoon-net configures, an "outside" namespace it reaches
/// through its uplink (203.0.113.0/24, no route back to the VM subnet, so only NAT gets replies home),
/// VM namespaces plugged into cni0 on demand, and a private filesystem root (COCOON_NET_ROOT).
/// Everything it made is removed on dispose, whatever the test did.
/// </summary>
internal sealed partial class Sandbox : IDisposable
{
    private static int _counter;
    private readonly List<string> _namespaces = [];
    private readonly string _id;

    public Sandbox(bool forwardPolicyDrop = false)
    {
        var reason = TestEnvironment.WhyNoNamespaces();
        Assert.True(reason is null, $"privileged test cannot run: {reason}");
        _id = $"{Environment.ProcessId % 10000}x{Interlocked.Increment(ref _counter)}";
        Root = Path.Combine(Path.GetTempPath(), $"cocoon-net-test-{_id}");
        Directory.CreateDirectory(Root);
        // A root-only copy: wherever CI clones the repository, the plugin permission check must pass.
        PluginsDirectory = CopyPlugins(Root + "-plugins", Path.Combine(TestEnvironment.OutDirectory, "plugins"));
        try
        {
            Node = AddNamespace("cnn");
            Outside = AddNamespace("cno");
            Shell.Check("ip", "link", "add", "up0", "netns", Node, "type", "veth", "peer", "name", "up0", "netns", Outside);
            InNamespace(Node, "ip", "addr", "add", "203.0.113.2/24", "dev", "up0");
            InNamespace(Outside, "ip", "addr", "add", "203.0.113.1/24", "dev", "up0");
            foreach (var ns in new[] { Node, Outside })
            {
                InNamespace(ns, "ip", "link", "set", "up0", "up");
                InNamespace(ns, "ip", "link", "set", "lo", "up");
            }

            InNamespace(Node, "ip", "route", "add", "default", "via", "203.0.113.1");
            if (forwardPolicyDrop)
            {
                InNamespace(Node, "iptables", "-P", "FORWARD", "DROP");
                InNamespace(Node, "iptables", "-P", "INPUT", "DROP");
                InNamespace(Node, "iptables", "-A", "INPUT", "-i", "lo", "-j", "ACCEPT");
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Node { get; }

    public string Outside { get; }

    /// <summary>COCOON_NET_ROOT: /etc, /run and /var of this sandbox.</summary>
    public string Root { get; }

    public string StateDirectory => Path.Combine(Root, "var/lib/cocoon/net");

    public string PluginsDirectory { get; set; }

    public string PathOf(string absolute) => Path.Combine(Root, absolute.TrimStart('/'));

    /// <summary>Runs the built cocoon-net inside the node namespace.</summary>
    public CommandResult CocoonNet(params string[] arguments) => CocoonNet(arguments, null);

    public CommandResult CocoonNet(string[] arguments, IDictionary<string, string>? extraEnvironment)
    {
        var environment = new Dictionary<string, string>
        {
            ["COCOON_NET_ROOT"] = Root,
            ["COCOON_NET_PLUGINS_DIR"] = PluginsDirectory,
            ["COCOON_NET_LOG_LEVEL"] = "debug",
        };
        foreach (var (key, value) in extraEnvironment ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        return Shell.Run("ip", ["netns", "exec", Node, TestEnvironment.Binary, .. arguments], environment, TimeSpan.FromSeconds(90));
    }

    /// <summary>
    /// A VM namespace whose eth0 is a veth port of the node's cni0, isolated (BR_ISOLATED) as the CNI bridge plugin does
    /// with the conflist's <c>portIsolation: true</c>; <paramref name="isolated"/> false plugs it as a plugin that ignores
    /// the key (Debian's 1.1.1), leaving the flag to cocoon-net (adopt/init, or the agent).
    /// </summary>
    public string AddVm(bool isolated = true)
    {
        var vm = AddNamespace("cnv");
        var port = $"v{_id}{_namespaces.Count}";
        Shell.Check("ip", "link", "add", "eth0", "netns", vm, "type", "veth", "peer", "name", port, "netns", Node);
        InNamespace(Node, "ip", "link", "set", port, "master", "cni0", "up");
        if (isolated)
        {
            InNamespace(Node, "bridge", "link", "set", "dev", port, "isolated", "on");
        }

        InNamespace(vm, "ip", "link", "set", "eth0", "up");
        InNamespace(vm, "ip", "link", "set", "lo", "up");
        return vm;
    }

    /// <summary>Removes a VM (its veth pair goes with its namespace).</summary>
    public void RemoveVm(string vm)
    {
        KillAll(vm);
        Shell.Run("ip", ["netns", "del", vm]);
        _namespaces.Remove(vm);
        // The kernel tears the veth pair down asynchronously.
        for (var i = 0; i < 50 && Links(Node).Any(l => l.StartsWith('v')); i++)
        {
            Thread.Sleep(20);
        }
    }

    /// <summary>Asks for an address by DHCP (busybox udhcpc, confined) and returns the one obtained, or null.</summary>
    public string? Dhcp(string vm)
    {
        var script = Path.Combine(Root, "udhcpc.sh");
        File.WriteAllText(script, """
            #!/bin/sh
            case "$1" in
              bound|renew)
                ip addr flush dev "$interface"
                ip addr add "$ip/${mask:-24}" dev "$interface"
                [ -n "$router" ] && ip route replace default via "${router%% *}" dev "$interface"
                ;;
            esac
            exit 0

            """);
        File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // Confined like every real client (DhcpClients): private mount and UTS namespaces, so nothing it runs can reach
        // the machine's resolv.conf or hostname; the script is ours and only configures eth0.
        var result = Shell.Run("ip", ["netns", "exec", vm, "unshare", "-m", "-u", "--propagation", "private",
                "busybox", "udhcpc", "-i", "eth0", "-n", "-q", "-f", "-t", "10", "-T", "1", "-s", script],
            timeout: TimeSpan.FromSeconds(40));
        if (result.ExitCode != 0)
        {
            return null;
        }

        var address = InNamespace(vm, "ip", "-4", "-o", "addr", "show", "dev", "eth0");
        return InetPattern().Match(address) is { Success: true } m ? m.Groups[1].Value : null;
    }

    public bool Ping(string fromNamespace, string address) =>
        Shell.Run("ip", ["netns", "exec", fromNamespace, "busybox", "ping", "-c", "1", "-W", "2", address]).ExitCode == 0;

    public string InNamespace(string ns, string file, params string[] arguments) =>
        Shell.Check("ip", ["netns", "exec", ns, file, .. arguments]);

    public IReadOnlyList<string> Links(string ns) =>
        InNamespace(ns, "ip", "-o", "link", "show").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(':')[1].Trim().Split('@')[0])
            .ToList();

    /// <summary>Whether <paramref name="link"/> in the node namespace is administratively up.</summary>
    public bool IsUp(string link) => InNamespace(Node, "ip", "-o", "link", "show", link).Contains(",UP", StringComparison.Ordinal);

    /// <summary>
    /// What a reboot takes from the node (dnsmasq, the bridge with its routes, the iptables rules, /run, and the
    /// up state of <paramref name="nics"/>) and keeps (/etc, /var, pool.json).
    /// </summary>
    public void SimulateReboot(params string[] nics)
    {
        if (DnsmasqPid() is { } pid)
        {
            Shell.Check("kill", "-9", pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
            for (var i = 0; i < 250 && DnsmasqPid() is not null; i++)
            {
                Thread.Sleep(20);
            }
        }

        InNamespace(Node, "ip", "link", "del", "cni0");
        foreach (var nic in nics)
        {
            InNamespace(Node, "ip", "link", "set", nic, "down");
        }

        foreach (var table in new[] { "filter", "nat" })
        {
            InNamespace(Node, "iptables", "-t", table, "-F");
            InNamespace(Node, "iptables", "-t", table, "-X");
        }

        foreach (var file in Directory.GetFiles(PathOf("/run/cocoon-net")))
        {
            File.Delete(file);
        }
    }

    public IReadOnlyList<string> RoutesWithProtocol(string protocol) =>
        InNamespace(Node, "ip", "-4", "route", "show", "proto", protocol).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Every rule and user chain (an empty table that merely got listed is no difference).</summary>
    public string IptablesSave() => string.Join('\n',
        InNamespace(Node, "iptables-save").Split('\n').Where(l => l.StartsWith("-A ", StringComparison.Ordinal)
            || (l.StartsWith(':') && l.Contains(" - [", StringComparison.Ordinal))));

    /// <summary>Pid of dnsmasq in the node namespace, or null.</summary>
    public int? DnsmasqPid()
    {
        var pids = Shell.Run("ip", ["netns", "pids", Node]).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (var pid in pids)
        {
            if (File.Exists($"/proc/{pid}/comm") && File.ReadAllText($"/proc/{pid}/comm").Trim() == "dnsmasq")
            {
                return int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    public void Dispose()
    {
        foreach (var ns in _namespaces.ToList())
        {
            KillAll(ns);
            Shell.Run("ip", ["netns", "del", ns]);
        }

        _namespaces.Clear();
        foreach (var directory in new[] { Root, Root + "-plugins" })
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Copies plugin folders into <paramref name="target"/> with root-only write permission.</summary>
    public static string CopyPlugins(string target, string source, params string[] only)
    {
        Directory.CreateDirectory(target);
        File.SetUnixFileMode(target, (UnixFileMode)0b111_101_101);
        foreach (var folder in Directory.GetDirectories(source).Where(d => only.Length == 0 || only.Contains(Path.GetFileName(d))))
        {
            var copy = Path.Combine(target, Path.GetFileName(folder));
            Directory.CreateDirectory(copy);
            File.SetUnixFileMode(copy, (UnixFileMode)0b111_101_101);
            foreach (var file in Directory.GetFiles(folder))
            {
                var destination = Path.Combine(copy, Path.GetFileName(file));
                File.Copy(file, destination, overwrite: true);
                File.SetUnixFileMode(destination, (UnixFileMode)0b110_100_100);
            }
        }

        return target;
    }

    private string AddNamespace(string prefix)
    {
        var name = $"{prefix}{_id}n{_namespaces.Count}";
        Shell.Check("ip", "netns", "add", name);
        _namespaces.Add(name);
        return name;
    }

    private static void KillAll(string ns)
    {
        foreach (var pid in Shell.Run("ip", ["netns", "pids", ns]).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            Shell.Run("kill", ["-9", pid]);
        }
    }

    [GeneratedRegex(@"inet (\d+\.\d+\.\d+\.\d+)/")]
    private static partial Regex InetPattern();
}
