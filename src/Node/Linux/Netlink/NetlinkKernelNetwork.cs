using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using CocoonNet.Node.Net;

namespace CocoonNet.Node.Linux.Netlink;

/// <summary><see cref="IKernelNetwork"/> over rtnetlink.</summary>
internal sealed class NetlinkKernelNetwork : IKernelNetwork, IDisposable
{
    private const ushort RtmNewLink = 16;
    private const ushort RtmDelLink = 17;
    private const ushort RtmGetLink = 18;
    private const ushort RtmNewAddr = 20;
    private const ushort RtmDelAddr = 21;
    private const ushort RtmGetAddr = 22;
    private const ushort RtmNewRoute = 24;
    private const ushort RtmDelRoute = 25;
    private const ushort RtmGetRoute = 26;
    private const ushort RtmSetLink = 19;
    private const ushort IflaIfname = LinkMessage.IflaIfname;
    private const ushort IflaLinkinfo = LinkMessage.IflaLinkinfo;
    private const ushort IflaInfoKind = LinkMessage.IflaInfoKind;
    private const ushort IfaAddress = 1;
    private const ushort IfaLocal = 2;
    private const ushort IfaBroadcast = 4;
    private const ushort RtaDst = 1;
    private const ushort RtaOif = 4;
    private const ushort RtaGateway = 5;
    private const ushort RtaTable = 15;
    private const byte AfInet = (byte)AddressFamily.InterNetwork;
    private const uint IffUp = 1;

    private readonly Lazy<NetlinkSocket> _socket = new(() => new NetlinkSocket());

    private NetlinkSocket Socket => _socket.Value;

    public IReadOnlyList<LinkInfo> ListLinks()
    {
        var links = new List<LinkInfo>();
        foreach (var message in Socket.Dump(RtmGetLink, new byte[16]))
        {
            if (message.Type == RtmNewLink && LinkMessage.Decode(message.Payload) is { } link)
            {
                links.Add(link);
            }
        }

        return links;
    }

    public IReadOnlyList<AddressInfo> ListAddresses()
    {
        var addresses = new List<AddressInfo>();
        foreach (var message in Socket.Dump(RtmGetAddr, [AfInet, 0, 0, 0, 0, 0, 0, 0]))
        {
            if (message.Type != RtmNewAddr || message.Payload[0] != AfInet)
            {
                continue;
            }

            var prefix = message.Payload[1];
            var index = BinaryPrimitives.ReadInt32LittleEndian(message.Payload.AsSpan(4));
            var attributes = NetlinkAttributes.Parse(message.Payload.AsSpan(8));
            if ((attributes[IfaLocal] ?? attributes[IfaAddress]) is { } local)
            {
                addresses.Add(new AddressInfo(index, new IPAddress(local), prefix));
            }
        }

        return addresses;
    }

    public IReadOnlyList<RouteInfo> ListRoutes(byte table)
    {
        var routes = new List<RouteInfo>();
        var header = new byte[12];
        header[0] = AfInet;
        foreach (var message in Socket.Dump(RtmGetRoute, header))
        {
            var p = message.Payload;
            if (message.Type != RtmNewRoute || p[0] != AfInet)
            {
                continue;
            }

            var attributes = NetlinkAttributes.Parse(p.AsSpan(12));
            // RTA_TABLE is 32 bits: table 510 must not read as main (254) once cut to a byte.
            var routeTable = attributes[RtaTable] is { } t ? NetlinkAttributes.UInt32(t) : p[4];
            if (routeTable != table)
            {
                continue;
            }

            var destination = attributes[RtaDst] is { } d ? new IPAddress(d) : IPAddress.Any;
            var oif = attributes[RtaOif] is { } o ? (int)NetlinkAttributes.UInt32(o) : 0;
            var gateway = attributes[RtaGateway] is { } g ? new IPAddress(g) : null;
            routes.Add(new RouteInfo(destination, p[1], oif, table, p[5], p[6], p[7], gateway));
        }

        return routes;
    }

    public void CreateBridge(string name)
    {
        var request = new NetlinkMessageBuilder(RtmNewLink, NetlinkFlags.Ack | NetlinkFlags.Create | NetlinkFlags.Excl)
        {
            Subject = $"create bridge {name}",
        };
        request.Append(new byte[16]).Attribute(IflaIfname, name);
        var info = request.BeginNested(IflaLinkinfo);
        request.Attribute(IflaInfoKind, "bridge");
        request.EndNested(info);
        ExecuteOne(request);
    }

    public void SetLinkUp(int index)
    {
        var header = new byte[16];
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), index);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), IffUp);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(12), IffUp);
        ExecuteOne(new NetlinkMessageBuilder(RtmNewLink, NetlinkFlags.Ack) { Subject = $"set link {index} up" }.Append(header));
    }

    public void SetLinkMtu(int index, int mtu) =>
        ExecuteOne(new NetlinkMessageBuilder(RtmNewLink, NetlinkFlags.Ack) { Subject = $"set link {index} mtu {mtu}" }
            .Append(LinkHeader(0, index)).Attribute(LinkMessage.IflaMtu, (uint)mtu));

    public void SetLinkAddress(int index, string mac) =>
        ExecuteOne(new NetlinkMessageBuilder(RtmNewLink, NetlinkFlags.Ack) { Subject = $"set link {index} address {mac}" }
            .Append(LinkHeader(0, index)).Attribute(LinkMessage.IflaAddress, System.Net.NetworkInformation.PhysicalAddress.Parse(mac).GetAddressBytes()));

    public bool? HasFixedAddress(string name)
    {
        // sysfs shows the network namespace it was mounted in: ip netns exec and a host-network pod both mount the
        // right one. Anything unreadable is "cannot tell", never a change.
        const int NetAddrSet = 3;
        try
        {
            return int.TryParse(File.ReadAllText($"/sys/class/net/{name}/addr_assign_type").Trim(), out var type) ? type == NetAddrSet : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    public bool SetPortIsolated(int index, bool isolated)
    {
        var request = PortIsolationMessage(index, isolated);
        var errno = Socket.Execute([request])[0];
        return errno switch
        {
            0 => true,
            // ENODEV: the link is gone; EOPNOTSUPP: it left the bridge (no bridge answers for it).
            Errno.NoDevice or Errno.NotSupported => false,
            _ => throw new NetlinkException($"{request.Subject}: {Errno.Describe(errno)}", errno),
        };
    }

    /// <summary>
    /// What <c>bridge link set dev X isolated on|off</c> sends: RTM_SETLINK in the bridge family, the port's
    /// attributes nested (NLA_F_NESTED) under IFLA_PROTINFO.
    /// </summary>
    internal static NetlinkMessageBuilder PortIsolationMessage(int index, bool isolated)
    {
        var request = new NetlinkMessageBuilder(RtmSetLink, NetlinkFlags.Ack)
        {
            Subject = $"set bridge port {index} isolated {(isolated ? "on" : "off")}",
        };
        request.Append(LinkHeader(LinkMessage.AfBridge, index));
        var protinfo = request.BeginNested(LinkMessage.IflaProtinfo | LinkMessage.NestedFlag);
        request.Attribute(LinkMessage.IflaBrportIsolated, [isolated ? (byte)1 : (byte)0]);
        request.EndNested(protinfo);
        return request;
    }

    public void DeleteLink(int index)
    {
        var header = new byte[16];
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), index);
        ExecuteOne(new NetlinkMessageBuilder(RtmDelLink, NetlinkFlags.Ack) { Subject = $"delete link {index}" }.Append(header));
    }

    public void AddAddress(int index, IPAddress address, int prefixLength) =>
        ExecuteOne(AddressMessage(RtmNewAddr, NetlinkFlags.Ack | NetlinkFlags.Create | NetlinkFlags.Replace, index, address, prefixLength));

    public void DeleteAddress(int index, IPAddress address, int prefixLength)
    {
        var errno = Socket.Execute([AddressMessage(RtmDelAddr, NetlinkFlags.Ack, index, address, prefixLength)])[0];
        if (errno is not 0 and not Errno.AddressNotAvailable)
        {
            throw new NetlinkException($"delete address {address}/{prefixLength}: {Errno.Describe(errno)}", errno);
        }
    }

    public void ReplaceRoutes(IReadOnlyList<RouteInfo> routes) =>
        ExecuteAll(routes.Select(r => RouteMessage(RtmNewRoute, NetlinkFlags.Ack | NetlinkFlags.Create | NetlinkFlags.Replace, r, "replace")).ToList(), ignoreMissing: false);

    public void DeleteRoutes(IReadOnlyList<RouteInfo> routes) =>
        ExecuteAll(routes.Select(r => RouteMessage(RtmDelRoute, NetlinkFlags.Ack, r, "delete")).ToList(), ignoreMissing: true);

    public void Dispose()
    {
        if (_socket.IsValueCreated)
        {
            _socket.Value.Dispose();
        }
    }

    private static byte[] LinkHeader(byte family, int index)
    {
        var header = new byte[16];
        header[0] = family;
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), index);
        return header;
    }

    private static NetlinkMessageBuilder AddressMessage(ushort type, NetlinkFlags flags, int index, IPAddress address, int prefixLength)
    {
        var header = new byte[8];
        header[0] = AfInet;
        header[1] = (byte)prefixLength;
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), index);
        var bytes = address.GetAddressBytes();
        var request = new NetlinkMessageBuilder(type, flags) { Subject = $"address {address}/{prefixLength} on link {index}" }
            .Append(header).Attribute(IfaLocal, bytes).Attribute(IfaAddress, bytes);
        if (prefixLength < 31)
        {
            var broadcast = Ipv4.ToUInt32(address) | ~Ipv4.Mask(prefixLength);
            request.Attribute(IfaBroadcast, Ipv4.FromUInt32(broadcast).GetAddressBytes());
        }

        return request;
    }

    private static NetlinkMessageBuilder RouteMessage(ushort type, NetlinkFlags flags, RouteInfo route, string verb)
    {
        var header = new byte[12];
        header[0] = AfInet;
        header[1] = (byte)route.PrefixLength;
        header[4] = route.Table;
        header[5] = route.Protocol;
        header[6] = route.Scope;
        header[7] = route.Type;
        var request = new NetlinkMessageBuilder(type, flags)
        {
            Subject = $"{verb} route {route.Destination}/{route.PrefixLength} (table {route.Table})",
        };
        request.Append(header).Attribute(RtaDst, route.Destination.GetAddressBytes());
        if (route.OutputIndex != 0)
        {
            request.Attribute(RtaOif, (uint)route.OutputIndex);
        }

        if (route.Gateway is not null)
        {
            request.Attribute(RtaGateway, route.Gateway.GetAddressBytes());
        }

        return request;
    }

    private void ExecuteOne(NetlinkMessageBuilder request) => ExecuteAll([request], ignoreMissing: false);

    private void ExecuteAll(List<NetlinkMessageBuilder> requests, bool ignoreMissing)
    {
        if (requests.Count == 0)
        {
            return;
        }

        var results = Socket.Execute(requests);
        var failures = requests
            .Zip(results)
            .Where(x => x.Second != 0 && !(ignoreMissing && x.Second is Errno.NoSuchProcess or Errno.NoEntry))
            .ToList();
        if (failures.Count > 0)
        {
            var first = failures[0];
            var more = failures.Count > 1 ? $" (and {failures.Count - 1} more)" : "";
            throw new NetlinkException($"{first.First.Subject}: {Errno.Describe(first.Second)}{more}", first.Second);
        }
    }
}
