using System.Globalization;
using CocoonNet.Tests.Support;
using static CocoonNet.Tests.Integration.Kubernetes.InClusterNode;

namespace CocoonNet.Tests.Integration.Kubernetes;

/// <summary>In-cluster: DHCP down (dnsmasq dead and failing to start again) turns the Node's condition False with reason DhcpDown, then True once it serves.</summary>
[Collection(NamespaceCollection.Name)]
public sealed class InClusterDhcpDownInNamespacesTests
{
    [PrivilegedFact]
    public async Task Dhcp_down_makes_the_condition_false_with_reason_DhcpDown_until_dnsmasq_serves_again()
    {
        using var dnsmasq = new FailingDnsmasq();
        using var node = new InClusterNode(environment: new Dictionary<string, string> { ["PATH"] = dnsmasq.Path });
        var (sandbox, _, client, agent) = node;
        await Until(client, n => Condition(n) is { Status: "True" }, agent);

        dnsmasq.Refuse();
        Shell.Check("kill", "-9", sandbox.DnsmasqPid()!.Value.ToString(CultureInfo.InvariantCulture));
        var down = Condition(await Until(client, n => Condition(n) is { Status: "False" }, agent))!;
        Assert.Equal("DhcpDown", down.Reason);
        Assert.StartsWith("DHCP down: dnsmasq-cni is not running", down.Message, StringComparison.Ordinal);

        dnsmasq.Allow();
        await Until(client, n => Condition(n) is { Status: "True", Reason: "Reconciled" }, agent);
        Assert.False(agent.HasExited, agent.Output);
    }
}
