using CocoonNet.Abstractions;

namespace CocoonNet.Providers.Gke.GuestAgent;

/// <summary>The running Google guest agent, which only reads its configuration when it starts.</summary>
internal interface IGuestAgentService
{
    /// <summary>What a restart restarts, for the plan line.</summary>
    string Name { get; }

    bool IsInstalled();

    Task RestartAsync(CancellationToken cancellationToken);
}

/// <summary>
/// The agent as systemd runs it; "installed" only when systemd runs and the agent's unit file exists.
/// What applies <c>ip_aliases</c> differs by agent generation:
/// <list type="bullet">
/// <item>The plugin-based agent (GoogleCloudPlatform/google-guest-agent) manages routes in its core plugin, a
/// separate process that reads its configuration only when it starts (cmd/core_plugin/core_plugin.go); the
/// unit has <c>KillMode=process</c>, so restarting it restarts only the manager, which re-attaches to the
/// running core plugin. Google ships <c>ggactl_plugin coreplugin restart</c> for this
/// (cmd/ggactl/commands/coreplugin/): used whenever that binary is on the host.</item>
/// <item>Otherwise the agent's unit(s): <c>google-guest-agent.service</c>, and
/// <c>google-guest-agent-manager.service</c> where that unit exists.</item>
/// </list>
/// </summary>
internal sealed class SystemdGuestAgentService(IHostFileSystem files, IProcessRunner runner) : IGuestAgentService
{
    public const string AgentUnit = "google-guest-agent.service";
    public const string ManagerUnit = "google-guest-agent-manager.service";
    public const string CorePluginControl = "ggactl_plugin";

    private static readonly string[] UnitDirectories = ["/etc/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system"];

    /// <summary>Where the agent's packages install binaries, searched after PATH (a root shell's PATH may be short).</summary>
    private static readonly string[] KnownBinDirectories = ["/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin", "/bin", "/sbin"];

    private static readonly TimeSpan RestartTimeout = TimeSpan.FromSeconds(60);

    public string Name => FindCorePluginControl() is not null
        ? $"the guest agent's core plugin ({CorePluginControl} coreplugin restart)"
        : string.Join(", ", Units());

    public bool IsInstalled() =>
        Directory.Exists(files.PathOf("/run/systemd/system")) && HasUnit(AgentUnit);

    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        if (FindCorePluginControl() is { } control)
        {
            await runner.RunAsync(files.PathOf(control), ["coreplugin", "restart"], RestartTimeout, cancellationToken).ConfigureAwait(false);
            return;
        }

        await runner.RunAsync("systemctl", ["restart", .. Units()], RestartTimeout, cancellationToken).ConfigureAwait(false);
    }

    private IEnumerable<string> Units() => HasUnit(ManagerUnit) ? [AgentUnit, ManagerUnit] : [AgentUnit];

    private bool HasUnit(string unit) => UnitDirectories.Any(d => File.Exists(files.PathOf($"{d}/{unit}")));

    /// <summary>The host path of <c>ggactl_plugin</c>, from PATH or the known directories, or null.</summary>
    private string? FindCorePluginControl()
    {
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Where(d => d.StartsWith('/'));
        return path.Concat(KnownBinDirectories).Distinct()
            .Select(d => $"{d.TrimEnd('/')}/{CorePluginControl}")
            .FirstOrDefault(p => File.Exists(files.PathOf(p)));
    }
}
