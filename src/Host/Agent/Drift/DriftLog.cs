using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Agent.Drift;

internal static partial class DriftLog
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "drift from kernel events: {Objects}")]
    public static partial void Drifted(this ILogger logger, string objects);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "{Object} was repaired more than {Limit} times in {WindowSeconds:F0} s: something else keeps changing it; no event repairs of it before {Until:HH:mm:ss} UTC (the full resync still puts it back)")]
    public static partial void Flapping(this ILogger logger, string @object, int limit, double windowSeconds, DateTimeOffset until);

    [LoggerMessage(Level = LogLevel.Warning, Message = "kernel notifications were lost (receive buffer overflow); re-checking everything")]
    public static partial void EventsLost(this ILogger logger);
}
