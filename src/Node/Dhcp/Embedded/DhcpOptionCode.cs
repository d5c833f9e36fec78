namespace CocoonNet.Node.Dhcp.Embedded;

/// <summary>The option codes (RFC 2132 and later) the server reads or writes.</summary>
internal static class DhcpOptionCode
{
    public const byte Pad = 0;
    public const byte SubnetMask = 1;
    public const byte Router = 3;
    public const byte DomainNameServer = 6;
    public const byte InterfaceMtu = 26;
    public const byte RequestedAddress = 50;
    public const byte LeaseTime = 51;
    public const byte Overload = 52;
    public const byte MessageType = 53;
    public const byte ServerIdentifier = 54;
    public const byte ParameterRequestList = 55;
    public const byte RenewalTime = 58;
    public const byte RebindingTime = 59;
    public const byte RapidCommit = 80;
    public const byte End = 255;
}

/// <summary>One option: its code and its whole value (repeated occurrences already joined, RFC 3396).</summary>
internal sealed record DhcpOption(byte Code, byte[] Value);
