using CocoonNet.Host.Agent.Ports;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Host.Agent.PortSecurity;

/// <summary>
/// Puts a new port of cni0 under anti-spoofing as the kernel announces it, and lets a gone one's bindings go. The
/// watcher's thread is not held: each change runs on its own (the keeper serialises them), and a failure is logged for
/// the next full reconcile to repair.
/// </summary>
internal sealed partial class PortSecurityPortListener(PortSecurityKeeper keeper, ILoggerFactory loggers) : IBridgePortListener
{
    private readonly ILogger _logger = loggers.CreateLogger<PortSecurityPortListener>();

    public void PortAttached(BridgePort port) => Run(port, keeper.PortAttachedAsync(port.Name, CancellationToken.None));

    public void PortDetached(BridgePort port) => Run(port, keeper.PortDetachedAsync(port.Name, CancellationToken.None));

    private void Run(BridgePort port, Task change) =>
        change.ContinueWith(
            t => LogFailed(port.Name, t.Exception?.GetBaseException().Message ?? "failed"),
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted,
            TaskScheduler.Default);

    [LoggerMessage(Level = LogLevel.Warning, Message = "port security: port {Port}: {Message}")]
    private partial void LogFailed(string port, string message);
}
