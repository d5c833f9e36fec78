using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Logging;

/// <summary>
/// The container's only <see cref="ILoggerFactory"/>: every category logs through the stderr provider.
/// Registered instead of <c>AddLogging()</c>, whose options and filter machinery cost about a tenth of
/// a no-op run's start-up and buy nothing for one sink with one level. A plugin that calls
/// <c>AddLogging()</c> or <c>AddHttpClient()</c> still gets this factory (those only TryAdd theirs).
/// Each plugin's container has its own, whose lines carry the plugin's name (<paramref name="source"/>).
/// </summary>
internal sealed class StderrLoggerFactory(StderrLoggerProvider provider, string? source = null) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => provider.CreateLogger(categoryName, source);

    /// <summary>Ignored: stderr is the one sink, so that results on stdout stay clean.</summary>
    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }
}
