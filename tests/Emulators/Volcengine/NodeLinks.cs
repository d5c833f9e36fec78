using System.Diagnostics;

namespace CocoonNet.Emulators.Volcengine;

/// <summary>
/// Makes an attached ENI visible to the node the way a hot-plugged NIC is: a dummy link with the ENI's MAC
/// (a veth end) appears in the node's network namespace on attach and goes away on detach.
/// </summary>
internal sealed partial class NodeLinks(EmulatorOptions options, ILogger<NodeLinks> logger)
{
    public bool Enabled => options.NodeNetns.Length > 0;

    public async Task AddAsync(string name, string mac)
    {
        if (Enabled)
        {
            // A veth end rather than a dummy link: dummy is not available on every kernel. The peer stays here.
            await RunAsync("link", "add", name, "address", mac, "netns", options.NodeNetns, "type", "veth", "peer", "name", "x" + name).ConfigureAwait(false);
            // The VPC side of the "cable" is up, so the node sees carrier once it sets its end up.
            await RunAsync("link", "set", "x" + name, "up").ConfigureAwait(false);
        }
    }

    public async Task RemoveAsync(string name)
    {
        if (Enabled)
        {
            await RunAsync("-n", options.NodeNetns, "link", "del", name).ConfigureAwait(false);
        }
    }

    private async Task RunAsync(params string[] arguments)
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var stderr = await process.StandardError.ReadToEndAsync().ConfigureAwait(false);
        await process.WaitForExitAsync().ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            LogFailed(string.Join(' ', arguments), stderr.Trim());
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "ip {Arguments}: {Error}")]
    private partial void LogFailed(string arguments, string error);
}
