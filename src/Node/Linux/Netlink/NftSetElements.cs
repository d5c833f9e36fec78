namespace CocoonNet.Node.Linux.Netlink;

/// <summary>One element added to or deleted from a set: its key as the kernel stores it.</summary>
internal sealed record NftSetElement(string Set, byte[] Key, bool Add);

/// <summary>Writes set elements of one nftables table, all of one call or none.</summary>
internal interface INftSetWriter
{
    void Apply(IReadOnlyList<NftSetElement> elements);
}

/// <summary>
/// Adds and deletes set elements of one nftables table over NETLINK_NETFILTER, in one batch (all or none), without a
/// process: a lease must be let through within milliseconds even on a loaded node, where forking nft costs tens to
/// hundreds of them. Only elements; tables, chains and rules go through nft (<see cref="NftCommands"/>).
/// </summary>
internal sealed class NftSetElements(byte family, string table) : INftSetWriter, IDisposable
{
    public const byte FamilyBridge = 7; // NFPROTO_BRIDGE

    private const byte SubsystemNftables = 10; // NFNL_SUBSYS_NFTABLES
    private const ushort NewSetElement = (SubsystemNftables << 8) | 12; // NFT_MSG_NEWSETELEM
    private const ushort DeleteSetElement = (SubsystemNftables << 8) | 14; // NFT_MSG_DELSETELEM
    private const ushort ListTable = 1; // NFTA_SET_ELEM_LIST_TABLE
    private const ushort ListSet = 2; // NFTA_SET_ELEM_LIST_SET
    private const ushort ListElements = 3; // NFTA_SET_ELEM_LIST_ELEMENTS
    private const ushort ListElement = 1; // NFTA_LIST_ELEM
    private const ushort ElementKey = 1; // NFTA_SET_ELEM_KEY
    private const ushort DataValue = 1; // NFTA_DATA_VALUE
    private const ushort Nested = 0x8000; // NLA_F_NESTED

    private readonly NetlinkSocket _socket = new(NetlinkSocket.NetlinkNetfilter);
    private readonly Lock _gate = new();

    /// <summary>Applies <paramref name="elements"/> in order, in one batch; throws <see cref="NetlinkException"/> when the kernel refuses.</summary>
    public void Apply(IReadOnlyList<NftSetElement> elements)
    {
        if (elements.Count == 0)
        {
            return;
        }

        var requests = elements.Select(Request).ToList();
        int error;
        lock (_gate)
        {
            error = _socket.ExecuteBatch(requests, SubsystemNftables);
        }

        if (error != 0)
        {
            throw new NetlinkException($"nftables elements of table {table}: {Errno.Describe(error)}", error);
        }
    }

    public void Dispose() => _socket.Dispose();

    private NetlinkMessageBuilder Request(NftSetElement element)
    {
        // Adding an element already there is no error without NLM_F_EXCL; deleting one that is not there is (ENOENT).
        var request = new NetlinkMessageBuilder(
                element.Add ? NewSetElement : DeleteSetElement,
                NetlinkFlags.Request | NetlinkFlags.Ack | (element.Add ? NetlinkFlags.Create : 0))
            .Append([family, 0, 0, 0])
            .Attribute(ListTable, table)
            .Attribute(ListSet, element.Set);
        var list = request.BeginNested(ListElements | Nested);
        var item = request.BeginNested(ListElement | Nested);
        var key = request.BeginNested(ElementKey | Nested);
        request.Attribute(DataValue, element.Key);
        request.EndNested(key);
        request.EndNested(item);
        request.EndNested(list);
        return request;
    }
}
