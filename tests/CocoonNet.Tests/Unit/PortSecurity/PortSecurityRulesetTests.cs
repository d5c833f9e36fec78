using System.Text;
using System.Text.Json;
using CocoonNet.Node.PortSecurity;

namespace CocoonNet.Tests.Unit.PortSecurity;

/// <summary>What goes into nft, and what is read back from its JSON listing.</summary>
public sealed class PortSecurityRulesetTests
{
    [Fact]
    public void Every_rule_carries_a_distinct_comment_naming_cocoon()
    {
        Assert.Equal(PortSecurityRuleset.Rules.Count, PortSecurityRuleset.Comments.Distinct().Count());
        Assert.All(PortSecurityRuleset.Comments, c => Assert.Matches("^cocoon [0-9a-f]{8,16}: [a-zA-Z0-9 .,]+$", c));
        Assert.All(PortSecurityRuleset.Comments, c => Assert.True(c.Length <= 128));
    }

    [Fact]
    public void Values_that_could_change_the_transaction_are_refused()
    {
        Assert.Throws<ArgumentException>(() => PortSecurityRuleset.Port("veth0\"; flush ruleset"));
        Assert.Throws<ArgumentException>(() => PortSecurityRuleset.Mac("52:54:00:00:00:01 }"));
        Assert.Throws<ArgumentException>(() => PortSecurityRuleset.Element("52:54:00:00:00:01", System.Net.IPAddress.IPv6Loopback));
        Assert.Equal("52:54:00:00:00:0a . 10.0.0.5", PortSecurityRuleset.Element("52-54-00-00-00-0A", System.Net.IPAddress.Parse("10.0.0.5")));
    }

    [Fact]
    public void Removal_adds_first_so_a_missing_element_never_fails_the_transaction()
    {
        var text = new StringBuilder();
        PortSecurityRuleset.AppendRemoval(text, PortSecurityRuleset.LeasesSet, ["52:54:00:00:00:0a . 10.0.0.5"]);
        Assert.Equal(
            "add element bridge cocoon leases { 52:54:00:00:00:0a . 10.0.0.5 }\ndelete element bridge cocoon leases { 52:54:00:00:00:0a . 10.0.0.5 }\n",
            text.ToString());
    }

    [Fact]
    public void Unbinding_a_mac_takes_its_ports_and_unbinding_a_port_takes_its_macs()
    {
        var text = new StringBuilder();
        var bindings = new[] { "veth1 . 52:54:00:00:00:01", "veth2 . 52:54:00:00:00:02" };
        Assert.True(Unbinding.Append(text, bindings, ["52:54:00:00:00:02"], []));
        Assert.Contains("delete element bridge cocoon port_macs { \"veth2\" . 52:54:00:00:00:02 }\n", text.ToString());
        Assert.Contains("delete element bridge cocoon bound_macs { 52:54:00:00:00:02 }\n", text.ToString());
        Assert.Contains("delete element bridge cocoon bound_ports { \"veth2\" }\n", text.ToString());
        Assert.DoesNotContain("veth1", text.ToString());
        Assert.False(Unbinding.Append(new StringBuilder(), bindings, [], []));
    }

    [Fact]
    public void A_listing_as_nft_prints_it_is_read()
    {
        // Trimmed from `nft -j list table bridge cocoon` (nft 1.0.6) after the table was made and a VM bound.
        var json = """
            {"nftables": [{"metainfo": {"version": "1.0.6", "release_name": "Lester Gooch #5", "json_schema_version": 1}},
            {"table": {"family": "bridge", "name": "cocoon", "handle": 1}},
            {"set": {"family": "bridge", "name": "vm_ports", "table": "cocoon", "type": "ifname", "handle": 2, "elem": ["veth1"]}},
            {"set": {"family": "bridge", "name": "leases", "table": "cocoon", "type": ["ether_addr", "ipv4_addr"], "handle": 3, "elem": [{"concat": ["02:00:00:00:00:01", "10.0.0.5"]}]}},
            {"set": {"family": "bridge", "name": "bound_ports", "table": "cocoon", "type": "ifname", "handle": 4, "size": 65535, "flags": ["dynamic"], "elem": ["veth1"]}},
            {"set": {"family": "bridge", "name": "bound_macs", "table": "cocoon", "type": "ether_addr", "handle": 5, "size": 65535, "flags": ["dynamic"]}},
            {"set": {"family": "bridge", "name": "port_macs", "table": "cocoon", "type": ["ifname", "ether_addr"], "handle": 6, "size": 65535, "flags": ["dynamic"], "elem": [{"concat": ["veth1", "02:00:00:00:00:01"]}]}},
            {"chain": {"family": "bridge", "table": "cocoon", "name": "vm-ports-in", "handle": 1, "type": "filter", "hook": "prerouting", "prio": -200, "policy": "accept"}},
            {"rule": {"family": "bridge", "table": "cocoon", "chain": "vm-ports-in", "handle": 14, "comment": "cocoon 0: not leased", "expr": [{"counter": {"packets": 3, "bytes": 180}}, {"drop": null}]}}]}
            """;
        using var document = JsonDocument.Parse(json);
        var live = LivePortSecurity.Parse(document);
        Assert.True(live.HasChain);
        Assert.True(live.HasSets);
        Assert.False(live.RulesCurrent);
        Assert.Equal(["veth1"], live.Elements(PortSecurityRuleset.PortsSet));
        Assert.Equal(["02:00:00:00:00:01 . 10.0.0.5"], live.Elements(PortSecurityRuleset.LeasesSet));
        Assert.Equal(["veth1 . 02:00:00:00:00:01"], live.Elements(PortSecurityRuleset.PortMacsSet));
        Assert.Equal(3, live.Dropped["not leased"]);
    }

    [Fact]
    public void Set_changes_are_computed_both_ways()
    {
        var change = SetChange.Between(["a", "b", "c"], ["c", "d"]);
        Assert.Equal(["a", "b"], change.Added);
        Assert.Equal(["d"], change.Removed);
        Assert.True(SetChange.Between(["a"], ["a"]).IsEmpty);
    }
}
