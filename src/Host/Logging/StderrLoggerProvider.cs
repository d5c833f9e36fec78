using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Logging;

/// <summary>
/// Plain one-line logs on stderr (<c>2026-11-27T23:15:35.123Z INF message</c>), so stdout carries only
/// command results. Kept tiny: it is on every run's start-up path.
/// </summary>
internal sealed class StderrLoggerProvider(LogLevel minimum, TextWriter writer) : ILoggerProvider
{
    private readonly Lock _gate = new();

    public const string Variable = "COCOON_NET_LOG_LEVEL";

    /// <summary>Parses COCOON_NET_LOG_LEVEL; null for an unknown value.</summary>
    public static LogLevel? ParseLevel(string? value) => (value ?? "").Trim().ToLowerInvariant() switch
    {
        "" or "info" => LogLevel.Information,
        "debug" or "trace" => LogLevel.Debug,
        "warn" or "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        _ => null,
    };

    private LogLevel Minimum => minimum;

    public ILogger CreateLogger(string categoryName) => new StderrLogger(this, null);

    /// <summary>A logger whose lines name <paramref name="source"/> (a plugin), e.g. <c>INF [gke] ...</c>.</summary>
    public ILogger CreateLogger(string categoryName, string? source) => new StderrLogger(this, source);

    public void Dispose()
    {
    }

    private void Write(LogLevel level, string? source, string message, Exception? exception)
    {
        var tag = level switch
        {
            LogLevel.Trace or LogLevel.Debug => "DBG",
            LogLevel.Information => "INF",
            LogLevel.Warning => "WRN",
            _ => "ERR",
        };
        var line = source is null
            ? $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {tag} {message}"
            : $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {tag} [{source}] {message}";
        if (exception is not null && minimum <= LogLevel.Debug)
        {
            line += Environment.NewLine + exception;
        }

        lock (_gate)
        {
            writer.WriteLine(line);
        }
    }

    private sealed class StderrLogger(StderrLoggerProvider provider, string? source) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= provider.Minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                provider.Write(logLevel, source, formatter(state, exception), exception);
            }
        }
    }
}
