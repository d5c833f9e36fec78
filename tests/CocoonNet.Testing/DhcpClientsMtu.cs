namespace CocoonNet.Tests.Support;

/// <summary>What a client was told about the MTU (DHCP option 26): its script's view and, for dhclient, its lease file's.</summary>
internal sealed record MtuOffer(string? Address, string? ScriptMtu, string? LeaseFileMtu, CommandResult Run);

/// <summary>Real clients asking for option 26 (interface MTU), as a Linux guest that honours it does.</summary>
internal sealed partial class DhcpClients
{
    /// <summary>
    /// Binds <paramref name="vm"/>'s eth0 with <paramref name="client"/> (udhcpc or dhclient) asking for option 26, and
    /// applies the MTU to eth0 as the distributions' scripts do. Returns the address and the MTU each place saw.
    /// </summary>
    public MtuOffer BindAskingMtu(string vm, DhcpClient client)
    {
        var n = Interlocked.Increment(ref _runs);
        var record = Path.Combine(_directory, $"mtu-{n}");
        var leases = Path.Combine(_directory, $"dhclient-mtu{n}.leases");
        EnsureMtuScripts();
        var script = client switch
        {
            // -O mtu: put option 26 in the parameter request list; the script sees it as $mtu.
            DhcpClient.Udhcpc => """exec busybox udhcpc -i eth0 -n -q -f -t 6 -T 1 -A 1 -O mtu -s "$D/udhcpc-mtu.sh" """,
            DhcpClient.Dhclient =>
                $"""exec dhclient -4 -1 -v -cf "$D/dhclient-mtu.conf" -sf "{DhclientMtuScript(n, record)}" -lf "{leases}" -pf "$D/dhclient-mtu{n}.pid" eth0""",
            _ => throw new ArgumentOutOfRangeException(nameof(client), "udhcpc or dhclient"),
        };
        var result = Confined(vm, script, environment: new Dictionary<string, string> { ["REC"] = record });
        var scriptMtu = File.Exists(record) ? File.ReadAllText(record).Trim() : null;
        string? leaseMtu = null;
        if (File.Exists(leases))
        {
            var line = File.ReadAllLines(leases).Select(l => l.Trim()).LastOrDefault(l => l.StartsWith("option interface-mtu ", StringComparison.Ordinal));
            leaseMtu = line?["option interface-mtu ".Length..].TrimEnd(';');
        }

        return new MtuOffer(result.ExitCode == 0 ? Address(vm) : null, scriptMtu is { Length: > 0 } ? scriptMtu : null, leaseMtu, result);
    }

    private void EnsureMtuScripts()
    {
        if (File.Exists(Path.Combine(_directory, "dhclient-mtu.conf")))
        {
            return;
        }

        // Debian's dhclient.conf asks for interface-mtu among others; ours is otherwise the tests' plain one.
        File.WriteAllText(Path.Combine(_directory, "dhclient-mtu.conf"),
            "timeout 20;\nretry 1;\nrequest subnet-mask, broadcast-address, routers, interface-mtu;\n");
        WriteScript("udhcpc-mtu.sh", """
            #!/bin/sh
            case "$1" in
              bound|renew)
                ip addr flush dev "$interface"
                ip addr add "$ip/${mask:-24}" dev "$interface"
                [ -n "$mtu" ] && ip link set dev "$interface" mtu "$mtu"
                [ -n "$router" ] && ip route replace default via "${router%% *}" dev "$interface"
                echo "$mtu" > "$REC"
                ;;
            esac
            exit 0

            """);
    }

    /// <summary>dhclient gives its script an environment of its own (no $REC): a script per run, the record path written in.</summary>
    private string DhclientMtuScript(int n, string record)
    {
        var name = $"dhclient-mtu{n}.sh";
        WriteScript(name, $$"""
            #!/bin/sh
            case "$reason" in
              BOUND|RENEW|REBIND|REBOOT)
                ip addr flush dev "$interface"
                ip addr add "$new_ip_address/$new_subnet_mask" dev "$interface"
                [ -n "$new_interface_mtu" ] && ip link set dev "$interface" mtu "$new_interface_mtu"
                [ -n "$new_routers" ] && ip route replace default via "${new_routers%% *}" dev "$interface"
                echo "$new_interface_mtu" > "{{record}}"
                ;;
            esac
            exit 0

            """);
        return Path.Combine(_directory, name);
    }
}
