using CocoonNet.Node.Pipeline;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Composition;

/// <summary>Process-wide settings decided before the container is built.</summary>
internal sealed record RuntimeSettings(
    string PluginsDirectory,
    bool AllowInsecurePlugins,
    DhcpServiceMode ServiceMode,
    LogLevel LogLevel);
