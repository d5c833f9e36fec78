using CocoonNet.Node.Pipeline;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host;

/// <summary>Process-wide settings decided before the container is built; every part of the host reads them.</summary>
internal sealed record RuntimeSettings(
    string PluginsDirectory,
    bool AllowInsecurePlugins,
    DhcpServiceMode ServiceMode,
    LogLevel LogLevel);
