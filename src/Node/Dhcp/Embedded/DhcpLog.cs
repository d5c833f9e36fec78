using System.Net;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Node.Dhcp.Embedded;

/// <summary>The embedded DHCP server's log lines, in upstream's words where it had them.</summary>
internal static partial class DhcpLog
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "DHCP: dropped a packet from {Sender}: {Reason}")]
    public static partial void Dropped(this ILogger logger, EndPoint? sender, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "DHCP: ignored {Type} from {Mac}: meant for server {Server}")]
    public static partial void IgnoredOtherServer(this ILogger logger, DhcpMessageType type, string mac, IPAddress server);

    [LoggerMessage(Level = LogLevel.Debug, Message = "DHCP: ignored {Type} from {Mac}: {Ip} is not this client's")]
    public static partial void IgnoredNotHeld(this ILogger logger, DhcpMessageType type, string mac, IPAddress? ip);

    [LoggerMessage(Level = LogLevel.Debug, Message = "DHCP: ignored {Type} from {Mac}: {Reason}")]
    public static partial void Ignored(this ILogger logger, DhcpMessageType type, string mac, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "OFFER {Ip} -> {Mac}")]
    public static partial void Offered(this ILogger logger, IPAddress ip, string mac);

    [LoggerMessage(Level = LogLevel.Information, Message = "ACK {Ip} -> {Mac}")]
    public static partial void Acked(this ILogger logger, IPAddress ip, string mac);

    [LoggerMessage(Level = LogLevel.Information, Message = "NAK {Ip} -> {Mac} ({Reason})")]
    public static partial void Naked(this ILogger logger, IPAddress ip, string mac, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "DISCOVER from {Mac}: pool exhausted")]
    public static partial void PoolExhausted(this ILogger logger, string mac);

    [LoggerMessage(Level = LogLevel.Information, Message = "RELEASE {Ip} <- {Mac}")]
    public static partial void Released(this ILogger logger, IPAddress ip, string mac);

    [LoggerMessage(Level = LogLevel.Warning, Message = "DECLINE {Ip} <- {Mac}: address set aside for {Minutes} min")]
    public static partial void Declined(this ILogger logger, IPAddress ip, string mac, double minutes);

    [LoggerMessage(Level = LogLevel.Information, Message = "expired lease {Ip} <- {Mac}")]
    public static partial void Expired(this ILogger logger, IPAddress ip, string mac);

    [LoggerMessage(Level = LogLevel.Information, Message = "ended lease {Ip} <- {Mac}: not in the pool any more")]
    public static partial void OutOfPool(this ILogger logger, IPAddress ip, string mac);

    [LoggerMessage(Level = LogLevel.Information, Message = "DHCP: restored {Count} lease(s)")]
    public static partial void Restored(this ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "load leases: {Message} (starting fresh)")]
    public static partial void LoadFailed(this ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Error, Message = "save leases: {Message}")]
    public static partial void SaveFailed(this ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Error, Message = "add route {Ip}: {Message}")]
    public static partial void RouteAddFailed(this ILogger logger, IPAddress ip, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "delete route {Ip}: {Message}")]
    public static partial void RouteDeleteFailed(this ILogger logger, IPAddress ip, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "port security: admit {Ip} for {Mac}: {Message}")]
    public static partial void AdmissionFailed(this ILogger logger, IPAddress ip, string mac, string message);

    [LoggerMessage(Level = LogLevel.Warning, Message = "port security: revoke {Ip} of {Mac}: {Message}")]
    public static partial void RevokeFailed(this ILogger logger, IPAddress ip, string mac, string message);

    [LoggerMessage(Level = LogLevel.Error, Message = "DHCP: handling a packet from {Sender} failed: {Message}")]
    public static partial void PacketFailed(this ILogger logger, EndPoint? sender, string message);

    [LoggerMessage(Level = LogLevel.Error, Message = "DHCP: sending to {Destination} failed: {Message}")]
    public static partial void SendFailed(this ILogger logger, IPEndPoint destination, string message);

    [LoggerMessage(Level = LogLevel.Error, Message = "DHCP: lease sweep failed: {Message}")]
    public static partial void SweepFailed(this ILogger logger, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "DHCP server listening on {Device} port 67")]
    public static partial void Listening(this ILogger logger, string device);

    [LoggerMessage(Level = LogLevel.Warning, Message = "DHCP: cannot serve on {Device} ({Message}); retrying every 10 s")]
    public static partial void DeviceUnusable(this ILogger logger, string device, string message);

    [LoggerMessage(Level = LogLevel.Information, Message = "DHCP: {Device} changed (deleted or made again); reopening the socket")]
    public static partial void DeviceReplaced(this ILogger logger, string device);
}
