using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Agent.Telemetry;

/// <summary>The endpoints' log messages, source-generated.</summary>
internal static partial class TelemetryLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "serving /metrics, /healthz and /readyz on http://{Address}/")]
    public static partial void Listening(this ILogger logger, ListenAddress address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Path}: answering failed: {Reason}")]
    public static partial void AnswerFailed(this ILogger logger, string path, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "accepting a connection failed: {Reason}; retrying")]
    public static partial void AcceptFailed(this ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "dnsmasq's lease file cannot be counted: {Reason}; cocoon_net_dhcp_leases keeps its last value and cocoon_net_dhcp_leases_error is 1")]
    public static partial void LeaseFileUnreadable(this ILogger logger, string reason);
}
