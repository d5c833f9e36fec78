using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace CocoonNet.Abstractions;

/// <summary>
/// The VM subnet's candidate addresses: every host address of the subnet except the network, broadcast and
/// gateway addresses, in ascending order. Computed on demand (a /8 has millions), so providers and the host
/// enumerate the same addresses without each writing the arithmetic.
/// </summary>
public sealed class AddressPool
{
    private readonly uint _network;
    private readonly uint _broadcast;
    private readonly uint _gateway;

    /// <summary>The pool of <paramref name="subnet"/> (IPv4, /30 or shorter) with <paramref name="gateway"/> inside it.</summary>
    public AddressPool(IPNetwork subnet, IPAddress gateway)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        if (subnet.BaseAddress.AddressFamily != AddressFamily.InterNetwork || subnet.PrefixLength > 30)
        {
            throw new ArgumentException($"{subnet} is not an IPv4 subnet of /30 or shorter", nameof(subnet));
        }

        if (gateway.AddressFamily != AddressFamily.InterNetwork || !subnet.Contains(gateway))
        {
            throw new ArgumentException($"{gateway} is not inside {subnet}", nameof(gateway));
        }

        Subnet = subnet;
        Gateway = gateway;
        _network = ToUInt32(subnet.BaseAddress);
        _broadcast = _network | (uint)((1UL << (32 - subnet.PrefixLength)) - 1);
        _gateway = ToUInt32(gateway);
    }

    /// <summary>The VM subnet.</summary>
    public IPNetwork Subnet { get; }

    /// <summary>The gateway on cni0.</summary>
    public IPAddress Gateway { get; }

    /// <summary>How many candidates there are: host addresses less the gateway (when it is a host address).</summary>
    public long Count => (long)_broadcast - _network - 1 - (IsHost(_gateway) ? 1 : 0);

    /// <summary>True when <paramref name="address"/> is one of the candidates.</summary>
    public bool Contains(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetwork && ToUInt32(address) is var value && IsHost(value) && value != _gateway;

    /// <summary>All candidates, ascending.</summary>
    public IEnumerable<IPAddress> Candidates()
    {
        for (var value = _network + 1; value < _broadcast; value++)
        {
            if (value != _gateway)
            {
                yield return FromUInt32(value);
            }
        }
    }

    /// <summary>The first <paramref name="count"/> candidates (fewer when the pool is smaller).</summary>
    public IReadOnlyList<IPAddress> First(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return Candidates().Take(count).ToArray();
    }

    private bool IsHost(uint value) => value > _network && value < _broadcast;

    private static uint ToUInt32(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    private static IPAddress FromUInt32(uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return new IPAddress(bytes);
    }
}
