using System.Text.RegularExpressions;

namespace CocoonNet.Tests.Support;

/// <summary>The real DHCP clients the tests drive against cocoon-net's servers.</summary>
internal enum DhcpClient
{
    /// <summary>busybox udhcpc: what the tests and most minimal guests use.</summary>
    Udhcpc,

    /// <summary>ISC dhclient: Debian's and Ubuntu's classic client.</summary>
    Dhclient,

    /// <summary>dhcpcd: Raspberry Pi OS, Arch, many cloud images.</summary>
    Dhcpcd,
}

/// <summary>
/// Real DHCP clients run in a VM namespace, confined: each runs under <c>unshare -m -u</c> inside
/// <c>ip netns exec</c>, with a private empty resolv.conf bound over /etc/resolv.conf, tmpfs over /run and the
/// clients' lease directories, a private hostname, and scripts of ours (the distributions' hook scripts would
/// rewrite resolv.conf and the hostname). So nothing they do reaches the machine's files, whatever they are told.
/// Their own files (dhclient's lease and pid files, the scripts, what the scripts record) live in a temporary
/// directory this object removes on dispose.
/// </summary>
internal sealed partial class DhcpClients : IDisposable
{
    /// <summary>
    /// Mounts before every client: resolv.conf first (it may be a link into /run), then /run and the lease
    /// directories that exist (nothing may be created on the host's /var), then the hostname.
    /// </summary>
    private const string Prelude = """
        set -e
        [ -e /etc/resolv.conf ] && mount --bind "$D/resolv.conf" /etc/resolv.conf
        mount -t tmpfs -o mode=0755 cocoon-vm-run /run
        for d in /var/lib/dhcp /var/lib/dhcpcd; do [ -d "$d" ] && mount -t tmpfs -o mode=0755 cocoon-vm-lib "$d"; done
        hostname cocoon-vm
        set +e

        """;

    private readonly string _directory;
    private int _runs;

    public DhcpClients()
    {
        _directory = Path.Combine(Path.GetTempPath(), $"cocoon-net-dhcp-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_directory);
        File.SetUnixFileMode(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(Path.Combine(_directory, "resolv.conf"), "");
        File.WriteAllText(Path.Combine(_directory, "dhclient.conf"), "timeout 20;\nretry 1;\n");
        File.WriteAllText(Path.Combine(_directory, "dhcpcd.conf"), "");
        WriteScript("udhcpc.sh", """
            #!/bin/sh
            # busybox udhcpc's events: configure eth0 as the distributions' default.script would, minus DNS.
            case "$1" in
              deconfig) ip addr flush dev "$interface" ;;
              bound|renew)
                ip addr flush dev "$interface"
                ip addr add "$ip/${mask:-24}" dev "$interface"
                [ -n "$router" ] && ip route replace default via "${router%% *}" dev "$interface"
                [ -n "$REC" ] && echo "$ip" >> "$REC"
                ;;
            esac
            exit 0

            """);
        WriteScript("udhcpc-record.sh", """
            #!/bin/sh
            # Many clients at once in one namespace: record the lease only (addresses on every interface would fight).
            [ "$1" = bound ] && echo "$interface $ip" >> "$D/bound"
            exit 0

            """);
        WriteScript("dhclient.sh", """
            #!/bin/sh
            # ISC dhclient's events (dhclient-script's contract), minus resolv.conf and the hostname.
            case "$reason" in
              BOUND|RENEW|REBIND|REBOOT)
                ip addr flush dev "$interface"
                ip addr add "$new_ip_address/$new_subnet_mask" dev "$interface"
                [ -n "$new_routers" ] && ip route replace default via "${new_routers%% *}" dev "$interface"
                ;;
              EXPIRE|FAIL|RELEASE|STOP) ip addr flush dev "$interface" ;;
            esac
            exit 0

            """);
        WriteScript("dhcpcd.sh", """
            #!/bin/sh
            # dhcpcd configures the interface itself; its hooks (resolv.conf, hostname, ntp) are what this replaces.
            # It gives scripts an environment of its own (no $D): the path is written in.
            echo "$reason $new_ip_address" >> "{{EVENTS}}"
            exit 0

            """);
    }

    /// <summary>
    /// Runs <paramref name="script"/> (sh) confined in <paramref name="vm"/>; <c>$D</c> is this object's directory.
    /// </summary>
    public CommandResult Confined(string vm, string script, TimeSpan? timeout = null, IDictionary<string, string>? environment = null)
    {
        var env = new Dictionary<string, string>(environment ?? new Dictionary<string, string>()) { ["D"] = _directory };
        return Shell.Run("ip", ["netns", "exec", vm, "unshare", "-m", "-u", "--propagation", "private", "sh", "-c", Prelude + script],
            env, timeout ?? TimeSpan.FromSeconds(60));
    }

    /// <summary>
    /// Asks for an address on the VM's eth0 with <paramref name="client"/> (optionally asking for
    /// <paramref name="requestedIp"/>); returns the address eth0 then has, or null when the client got none.
    /// dhclient stays running after it binds (as on a guest); the sandbox's namespace removal ends it.
    /// </summary>
    public string? Bind(string vm, DhcpClient client, string? requestedIp = null) => Bind(vm, client, requestedIp, out _);

    public string? Bind(string vm, DhcpClient client, string? requestedIp, out CommandResult result)
    {
        var n = Interlocked.Increment(ref _runs);
        var script = client switch
        {
            DhcpClient.Udhcpc => $"""exec busybox udhcpc -i eth0 -n -q -f -t 6 -T 1 -A 1 -s "$D/udhcpc.sh"{Request("-r")}""",
            // -1: one attempt (exit 2 when no lease); it daemonizes once bound. Lease and pid files of its own.
            DhcpClient.Dhclient => $"""exec dhclient -4 -1 -v -cf "$D/dhclient.conf" -sf "$D/dhclient.sh" -lf "$D/dhclient{n}.leases" -pf "$D/dhclient{n}.pid" eth0""",
            // -1 exit once configured, -p keep the address at exit, -A no ARP probe (seconds), -L no link-local fallback.
            DhcpClient.Dhcpcd => $"""exec dhcpcd -f "$D/dhcpcd.conf" -c "$D/dhcpcd.sh" -4 -1 -p -A -L -t 20{Request("-r")} eth0""",
            _ => throw new ArgumentOutOfRangeException(nameof(client)),
        };
        result = Confined(vm, script);
        return result.ExitCode == 0 ? Address(vm) : null;

        string Request(string flag) => requestedIp is null ? "" : $" {flag} {requestedIp}";
    }

    /// <summary>
    /// udhcpc asking for <paramref name="requestedIp"/>, then giving it back with DHCPRELEASE (SIGUSR2, as a guest
    /// shutting down does): returns the address it held, or null. udhcpc's -q -R sends no RELEASE, and a RELEASE goes
    /// from a socket bound to the address, so the client stays running and configured until it has released.
    /// </summary>
    public string? BindAndRelease(string vm, string requestedIp)
    {
        var record = Path.Combine(_directory, $"released-{Interlocked.Increment(ref _runs)}");
        var result = Confined(vm, $"""
            busybox udhcpc -i eth0 -f -t 6 -T 1 -A 1 -r {requestedIp} -s "$D/udhcpc.sh" & pid=$!
            for i in $(seq 100); do [ -s "$REC" ] && break; sleep 0.1; done
            if [ ! -s "$REC" ]; then kill $pid; exit 1; fi
            kill -USR2 $pid; sleep 0.3; kill $pid; wait $pid
            cat "$REC"
            """, environment: new Dictionary<string, string> { ["REC"] = record });
        return result.ExitCode is 0 or 143 && result.Stdout.Trim() is { Length: > 0 } ip ? ip : null;
    }

    /// <summary>
    /// udhcpc with its ARP check (-a): when another host answers for the acknowledged address, udhcpc sends
    /// DHCPDECLINE and starts over. Returns the address it ends up with, or null.
    /// </summary>
    public string? BindWithArpCheck(string vm, string requestedIp, out CommandResult result)
    {
        result = Confined(vm, $"""exec busybox udhcpc -i eth0 -n -q -f -t 6 -T 1 -A 1 -a500 -r {requestedIp} -s "$D/udhcpc.sh" """);
        return result.ExitCode == 0 ? Address(vm) : null;
    }

    /// <summary>dhcpcd --inform: eth0 configured statically with <paramref name="addressWithLength"/>, options asked by DHCPINFORM.</summary>
    /// dhcpcd waits forever when eth0 holds another address than the one given: eth0 gets exactly that one first.
    public CommandResult Inform(string vm, string addressWithLength) =>
        Confined(vm, $"""
            ip addr flush dev eth0 && ip addr add {addressWithLength} dev eth0 || exit 1
            exec timeout -s KILL 30 dhcpcd -f "$D/dhcpcd.conf" -c "$D/dhcpcd.sh" -4 -1 -p -A -L -t 10 --inform={addressWithLength} eth0
            """);

    /// <summary>What dhcpcd's script was told (reason and address, one line per event), in order.</summary>
    public string DhcpcdEvents => File.Exists(Path.Combine(_directory, "dhcpcd.events")) ? File.ReadAllText(Path.Combine(_directory, "dhcpcd.events")) : "";

    /// <summary>
    /// <paramref name="macs"/>.Count clients at once in <paramref name="vm"/>: one macvlan on eth0 per MAC (m<i>first</i>,
    /// m<i>first+1</i>, ..., made unless <paramref name="create"/> is false), one udhcpc of <paramref name="attempts"/>
    /// DISCOVERs on each, at most <paramref name="parallel"/> running together. Returns the index in
    /// <paramref name="macs"/> → address, for those bound.
    /// </summary>
    public IReadOnlyDictionary<int, string> BindMany(
        string vm, IReadOnlyList<string> macs, int parallel, TimeSpan timeout, int first = 0, int attempts = 10, bool create = true)
    {
        var bound = Path.Combine(_directory, "bound");
        File.Delete(bound);
        if (create)
        {
            var links = string.Join('\n', macs.Select((mac, i) =>
                $"ip link add m{first + i} link eth0 address {mac} type macvlan mode private && ip link set m{first + i} up"));
            Shell.Check("ip", "netns", "exec", vm, "sh", "-c", "set -e\n" + links);
        }

        Confined(vm, $"""
            seq {first} {first + macs.Count - 1} | xargs -P {parallel} -I@ busybox udhcpc -i m@ -n -q -f -t {attempts} -T 1 -A 1 -s "$D/udhcpc-record.sh" >/dev/null 2>&1
            exit 0
            """, timeout);
        return File.Exists(bound)
            ? File.ReadAllLines(bound).Select(l => l.Split(' ')).Where(p => p.Length == 2)
                .ToDictionary(p => int.Parse(p[0][1..], System.Globalization.CultureInfo.InvariantCulture) - first, p => p[1])
            : new Dictionary<int, string>();
    }

    /// <summary>The VM's eth0 IPv4 address, or null.</summary>
    public static string? Address(string vm, string device = "eth0")
    {
        var shown = Shell.Run("ip", ["netns", "exec", vm, "ip", "-4", "-o", "addr", "show", "dev", device]).Stdout;
        return InetPattern().Match(shown) is { Success: true } m ? m.Groups[1].Value : null;
    }

    /// <summary>The VM's eth0 MAC, lower case.</summary>
    public static string Mac(string vm, string device = "eth0") =>
        MacPattern().Match(Shell.Check("ip", "netns", "exec", vm, "ip", "-o", "link", "show", device)).Groups[1].Value.ToLowerInvariant();

    /// <summary>Gives the VM's eth0 another MAC: to the server, another VM.</summary>
    public static void SetMac(string vm, string mac, string device = "eth0")
    {
        Shell.Check("ip", "netns", "exec", vm, "ip", "addr", "flush", "dev", device);
        Shell.Check("ip", "netns", "exec", vm, "ip", "link", "set", device, "address", mac);
    }

    /// <summary>A locally administered unicast MAC unique to <paramref name="n"/> (02:c0:c0:xx:xx:xx).</summary>
    public static string TestMac(int n) => $"02:c0:c0:{(n >> 16) & 0xff:x2}:{(n >> 8) & 0xff:x2}:{n & 0xff:x2}";

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void WriteScript(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text.Replace("{{EVENTS}}", Path.Combine(_directory, "dhcpcd.events"), StringComparison.Ordinal));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    [GeneratedRegex(@"inet (\d+\.\d+\.\d+\.\d+)/")]
    private static partial Regex InetPattern();

    [GeneratedRegex(@"link/ether ([0-9a-fA-F:]{17})")]
    private static partial Regex MacPattern();
}
