using Microsoft.Extensions.Logging;

namespace CocoonNet.Node;

/// <summary>The engine's log messages, source-generated (no formatting cost when the level is off).</summary>
internal static partial class NodeLog
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "exec {File} {Arguments}")]
    public static partial void Exec(this ILogger logger, string file, string arguments);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Key}: interface not present; skipping")]
    public static partial void SysctlInterfaceMissing(this ILogger logger, string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Message} (continuing)")]
    public static partial void SysctlOptionalFailed(this ILogger logger, string message);
}
