using System.Buffers.Binary;

namespace CocoonNet.Node.Linux.Netlink;

/// <summary>
/// Reads the rules of an iptables-nft chain straight from nftables over NETLINK_NETFILTER: one dump per
/// chain, no process. Each rule comes back as canonical bytes (its expressions and user data, without the
/// handle and without counter values, which change with traffic), good for telling whether a chain is
/// still exactly as it was, not for reading what a rule does.
/// </summary>
internal sealed class NftRuleReader : IDisposable
{
    private const ushort GetRule = (10 << 8) | 7; // NFNL_SUBSYS_NFTABLES, NFT_MSG_GETRULE
    private const ushort NewRule = (10 << 8) | 6; // NFT_MSG_NEWRULE
    private const byte FamilyIpv4 = 2; // NFPROTO_IPV4: the tables iptables (not ip6tables) writes
    private const ushort RuleTable = 1;
    private const ushort RuleChain = 2;
    private const ushort RuleExpressions = 4;
    private const ushort RuleUserData = 7;
    private const int ListElement = 1;
    private const int ExpressionName = 1;
    private const int ExpressionData = 2;

    private readonly NetlinkSocket _socket = new(NetlinkSocket.NetlinkNetfilter);

    /// <summary>
    /// The chain's rules in order as canonical bytes; null when the table or chain does not exist in
    /// nftables (e.g. iptables-legacy is in use).
    /// </summary>
    public List<byte[]>? Rules(string table, string chain)
    {
        var request = new NetlinkMessageBuilder(GetRule, NetlinkFlags.Request | NetlinkFlags.Dump)
            .Append([FamilyIpv4, 0, 0, 0])
            .Attribute(RuleTable, table)
            .Attribute(RuleChain, chain);
        List<NetlinkMessage> messages;
        try
        {
            messages = _socket.Dump(request);
        }
        catch (NetlinkException e) when (e.Errno == Errno.NoEntry)
        {
            return null;
        }

        var rules = new List<byte[]>();
        foreach (var message in messages)
        {
            if (message.Type != NewRule || message.Payload.Length < 4)
            {
                continue;
            }

            var attributes = NetlinkAttributes.Parse(message.Payload.AsSpan(4));
            // Kernels before filtered dumps return every rule of the family: filter here too.
            if (attributes[RuleTable] is not { } t || NetlinkAttributes.String(t) != table
                || attributes[RuleChain] is not { } c || NetlinkAttributes.String(c) != chain)
            {
                continue;
            }

            rules.Add(Canonical(attributes[RuleExpressions], attributes[RuleUserData]));
        }

        return rules;
    }

    public void Dispose() => _socket.Dispose();

    private static byte[] Canonical(byte[]? expressions, byte[]? userData)
    {
        var bytes = new List<byte>(128);
        foreach (var (type, element) in NetlinkAttributes.List(expressions ?? []))
        {
            if (type != ListElement)
            {
                continue;
            }

            var parts = NetlinkAttributes.Parse(element);
            var name = parts[ExpressionName] ?? [];
            Block(bytes, name);
            // A counter's data is its packet and byte counts.
            Block(bytes, NetlinkAttributes.String(name) == "counter" ? [] : parts[ExpressionData] ?? []);
        }

        Block(bytes, userData ?? []);
        return [.. bytes];
    }

    private static void Block(List<byte> bytes, ReadOnlySpan<byte> block)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, block.Length);
        bytes.AddRange(length);
        bytes.AddRange(block);
    }
}
