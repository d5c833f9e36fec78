using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Logging;

/// <summary>Every log message of the host, source-generated (no formatting cost when the level is off).</summary>
internal static partial class HostLog
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "plugins loaded and services composed in {Milliseconds:F1} ms ({SinceStart:F0} ms since process start)")]
    public static partial void Composed(this ILogger logger, double milliseconds, double sinceStart);

    [LoggerMessage(Level = LogLevel.Debug, Message = "command finished {Milliseconds:F1} ms after composition ({SinceStart:F0} ms since process start)")]
    public static partial void Finished(this ILogger logger, double milliseconds, double sinceStart);

    [LoggerMessage(Level = LogLevel.Debug, Message = "plugins loaded: {Loaded} of {Found} in {Milliseconds:F1} ms")]
    public static partial void PluginsDiscovered(this ILogger logger, int loaded, int found, double milliseconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "plugins not loaded: this command does not use them")]
    public static partial void PluginsNotLoaded(this ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Reason}; it is left out of cloud detection")]
    public static partial void PluginUnusable(this ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "using platform {Platform} recorded in pool.json")]
    public static partial void PlatformFromState(this ILogger logger, string platform);

    [LoggerMessage(Level = LogLevel.Information, Message = "detected platform {Platform}")]
    public static partial void Detected(this ILogger logger, string platform);

    [LoggerMessage(Level = LogLevel.Information, Message = "no cloud detected ({Report}); using platform {Platform}")]
    public static partial void AdoptingGeneric(this ILogger logger, string report, string platform);

    [LoggerMessage(Level = LogLevel.Debug, Message = "state saved to {Path}")]
    public static partial void StateSaved(this ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Debug, Message = "cloud detection: {Report}")]
    public static partial void Detection(this ILogger logger, string report);

    [LoggerMessage(Level = LogLevel.Debug, Message = "detection {Platform}: local signal {Signal}; detect answered {Answer} in {Milliseconds:F0} ms")]
    public static partial void DetectionStage1(this ILogger logger, string platform, string signal, string answer, double milliseconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "detection {Platform}: metadata probe without local signal answered {Answer} in {Milliseconds:F0} ms")]
    public static partial void DetectionProbe(this ILogger logger, string platform, string answer, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "detection {Platform}: its local signal check failed ({Reason}); no metadata service is probed without a signal")]
    public static partial void DetectionSignalFailed(this ILogger logger, string platform, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "platform status unavailable: {Reason}")]
    public static partial void CloudStatusUnavailable(this ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "plugins directory {Directory} does not exist")]
    public static partial void NoPluginsDirectory(this ILogger logger, string directory);

    [LoggerMessage(Level = LogLevel.Warning, Message = "plugin {Folder}: {Reason}; skipped")]
    public static partial void PluginSkipped(this ILogger logger, string folder, string reason);
}
