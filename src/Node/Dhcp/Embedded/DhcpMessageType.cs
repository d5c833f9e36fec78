namespace CocoonNet.Node.Dhcp.Embedded;

/// <summary>Option 53's values (RFC 2132 9.6); only these eight exist in DHCPv4 as RFC 2131 defines it.</summary>
internal enum DhcpMessageType : byte
{
    Discover = 1,
    Offer = 2,
    Request = 3,
    Decline = 4,
    Ack = 5,
    Nak = 6,
    Release = 7,
    Inform = 8,
}
