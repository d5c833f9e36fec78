using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Agent.Leases;

/// <summary>The lease mirror's and the control socket's log messages, source-generated.</summary>
internal static partial class LeaseLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "serving lease control on {Path}")]
    public static partial void ControlListening(this ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "leases.json cannot follow dnsmasq's leases: {Reason}; retrying every second")]
    public static partial void MirrorFailing(this ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "leases.json follows dnsmasq's leases again")]
    public static partial void MirrorRecovered(this ILogger logger);

    [LoggerMessage(Level = LogLevel.Debug, Message = "leases.json written: {Count} leases")]
    public static partial void LeasesWritten(this ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "released the lease of {Mac} ({Ip})")]
    public static partial void Released(this ILogger logger, string mac, string ip);

    [LoggerMessage(Level = LogLevel.Warning, Message = "releasing the lease of {Mac} failed: {Reason}")]
    public static partial void ReleaseFailed(this ILogger logger, string mac, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "watching {Directory} for dnsmasq's lease file is not possible now: {Reason}; the 1 s poll goes on")]
    public static partial void WatchUnavailable(this ILogger logger, string directory, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "embedded DHCP server started: {Count} addresses, leases in {Journal}")]
    public static partial void EmbeddedStarted(this ILogger logger, int count, string journal);

    [LoggerMessage(Level = LogLevel.Information, Message = "embedded DHCP server stopped: {Why}")]
    public static partial void EmbeddedStopped(this ILogger logger, string why);

    [LoggerMessage(Level = LogLevel.Error, Message = "embedded DHCP server failed: {Reason}; starting it again in {Delay}")]
    public static partial void EmbeddedFailed(this ILogger logger, string reason, string delay);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Reason}; DHCP goes on, the agent is not ready until it can, retrying every {Interval}")]
    public static partial void ControlSocketUnavailable(this ILogger logger, string reason, string interval);
}
