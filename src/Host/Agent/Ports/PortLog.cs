using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Agent.Ports;

/// <summary>The bridge-port watcher's and its listeners' log messages, source-generated.</summary>
internal static partial class PortLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "isolated VM port {Port}")]
    public static partial void PortIsolated(this ILogger logger, string port);

    [LoggerMessage(Level = LogLevel.Warning, Message = "isolating VM port {Port} failed: {Reason}; the next reconcile tries again")]
    public static partial void PortIsolationFailed(this ILogger logger, string port, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "bridge port notifications were lost; listing cni0's ports again")]
    public static partial void PortEventsLost(this ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "bridge port listener {Listener} failed: {Reason}")]
    public static partial void PortListenerFailed(this ILogger logger, string listener, string reason);
}
