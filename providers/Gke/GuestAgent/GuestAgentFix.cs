using CocoonNet.Abstractions;
using CocoonNet.Providers.Gke.Provisioning;
using Microsoft.Extensions.Logging;

namespace CocoonNet.Providers.Gke.GuestAgent;

/// <summary>
/// The guest agent adds a <c>local</c> route in table <c>local</c> for every alias range, so the node
/// takes the VMs' addresses for its own and never forwards to them. The fix: <c>[IpForwarding]
/// ip_aliases = false</c> (the agent then stops adding, and removes, those routes), a restart of what applies
/// that (see <see cref="SystemdGuestAgentService"/>), and deleting the route already there. After a restart the
/// local table is checked once more, a moment later: a route the agent put back is deleted again and reported.
/// What was changed is recorded in pool.json (by the provider, through its checkpoint) so teardown puts it back.
/// </summary>
internal sealed class GuestAgentFix(
    IHostFileSystem files, IHostNetwork network, IGuestAgentService agent, TimeProvider time, ILogger<GuestAgentFix> logger)
{
    /// <summary>How long after a restart the local table is checked again (the agent sets routes up as it starts).</summary>
    public static readonly TimeSpan RecheckDelay = TimeSpan.FromSeconds(5);

    public const string ConfigPath = "/etc/default/instance_configs.cfg";

    // What a recorded file looked like before: put back exactly that on teardown.
    public const string WasAbsentFile = "absent-file";
    public const string WasAbsentSection = "absent-section";
    public const string WasUnset = "unset";
    public const string WasValuePrefix = "value:";

    /// <summary>The agent loads these in order; a later file's value wins (go-ini merge).</summary>
    public static readonly string[] Layers = [ConfigPath, ConfigPath + ".distro", ConfigPath + ".template"];

    /// <summary>
    /// The records (CloudResources values) of the files the fix changes: earlier records are kept as they
    /// are (they hold the original values); files that need a change now are added.
    /// </summary>
    public IReadOnlyDictionary<string, string> Plan(CloudResources previous)
    {
        var records = Records(previous).ToDictionary(r => ResourceKeys.GuestAgentKey(r.Key), r => r.Value);
        foreach (var path in Targets())
        {
            records.TryAdd(ResourceKeys.GuestAgentKey(path), Snapshot(Read(path)));
        }

        return records;
    }

    public async Task<IReadOnlyList<PlanChange>> ApplyAsync(HostContext context, bool dryRun, CancellationToken cancellationToken)
    {
        if (context.Adopted)
        {
            // Nothing records the original setting for an adopted node, so it is left to the operator.
            logger.GuestAgentSkippedAdopted();
            return [];
        }

        var lines = new List<PlanChange>();
        var changed = false;
        foreach (var (path, before) in Records(context.Resources))
        {
            var text = Read(path);
            if (InstanceConfig.IsFalse(InstanceConfig.Get(text)))
            {
                continue;
            }

            lines.Add(PlanChange.Update($"set [{InstanceConfig.Section}] {InstanceConfig.Key} = false in {path}", $"(was {Describe(before)})"));
            if (!dryRun)
            {
                Write(path, InstanceConfig.Set(text, "false"));
            }

            changed = true;
        }

        var restarted = false;
        if (changed)
        {
            var restart = await RestartAsync(dryRun, cancellationToken).ConfigureAwait(false);
            restarted = !dryRun && restart.Any(l => l.Kind == ChangeKind.Update);
            lines.AddRange(restart);
        }

        lines.AddRange(await DeleteLocalRoutesAsync(context, dryRun, "(the guest agent's claim on the alias range)", cancellationToken).ConfigureAwait(false));
        if (restarted)
        {
            // The restarted agent must not claim the range again; if it does, its setting did not take effect.
            await Task.Delay(RecheckDelay, time, cancellationToken).ConfigureAwait(false);
            var again = await DeleteLocalRoutesAsync(context, dryRun: false,
                $"(re-added by the guest agent after its restart; cocoon-net deletes it whenever it runs: check {ConfigPath})",
                cancellationToken).ConfigureAwait(false);
            foreach (var line in again)
            {
                logger.GuestAgentReAddedRoute(line.ToString());
            }

            lines.AddRange(again);
        }

        return lines;
    }

    private async Task<IReadOnlyList<PlanChange>> DeleteLocalRoutesAsync(HostContext context, bool dryRun, string why, CancellationToken cancellationToken)
    {
        var lines = new List<PlanChange>();
        var routes = await network.ListLocalRoutesAsync(context.PrimaryNic, cancellationToken).ConfigureAwait(false);
        foreach (var route in routes.Where(r => Cidr.Covers(context.Subnet, r)))
        {
            lines.Add(PlanChange.Delete($"delete local route {route} on {context.PrimaryNic}", why));
            if (!dryRun)
            {
                await network.DeleteLocalRouteAsync(route, context.PrimaryNic, cancellationToken).ConfigureAwait(false);
            }
        }

        return lines;
    }

    public async Task<IReadOnlyList<PlanChange>> RestoreAsync(HostContext context, bool dryRun, CancellationToken cancellationToken)
    {
        var lines = new List<PlanChange>();
        var changed = false;
        foreach (var (path, before) in Records(context.Resources))
        {
            var text = Read(path);
            if (!InstanceConfig.IsFalse(InstanceConfig.Get(text)))
            {
                // Changed by someone else since: theirs to keep.
                continue;
            }

            var restored = before switch
            {
                WasAbsentFile => InstanceConfig.Remove(text, dropEmptySection: true),
                WasAbsentSection => InstanceConfig.Remove(text, dropEmptySection: true),
                WasUnset => InstanceConfig.Remove(text, dropEmptySection: false),
                _ when before.StartsWith(WasValuePrefix, StringComparison.Ordinal) => InstanceConfig.Set(text, before[WasValuePrefix.Length..]),
                _ => text,
            };
            if (restored == text)
            {
                continue;
            }

            var delete = before == WasAbsentFile && string.IsNullOrWhiteSpace(restored);
            lines.Add(delete
                ? PlanChange.Delete($"remove {path}", $"(created for [{InstanceConfig.Section}] {InstanceConfig.Key})")
                : PlanChange.Update($"restore [{InstanceConfig.Section}] {InstanceConfig.Key} in {path}", $"({Describe(before)})"));
            if (!dryRun)
            {
                if (delete)
                {
                    File.Delete(files.PathOf(path));
                }
                else
                {
                    Write(path, restored!);
                }
            }

            changed = true;
        }

        if (changed)
        {
            lines.AddRange(await RestartAsync(dryRun, cancellationToken).ConfigureAwait(false));
        }

        return lines;
    }

    /// <summary>The status line: is the agent told to leave alias ranges alone?</summary>
    public string Describe(CloudResources resources)
    {
        var (value, source) = Effective();
        return InstanceConfig.IsFalse(value)
            ? $"{InstanceConfig.Key} = false in {source}{(Records(resources).Any() ? " (set by cocoon-net)" : "")}"
            : $"{InstanceConfig.Key} = {value ?? "true (default)"}{(source is null ? "" : $" in {source}")}: the agent claims alias ranges locally; re-run 'cocoon-net init'";
    }

    /// <summary>Files to change: the main one unless it already says false, and any later layer that overrides it.</summary>
    private IEnumerable<string> Targets()
    {
        if (InstanceConfig.IsFalse(Effective().Value))
        {
            yield break;
        }

        foreach (var path in Layers)
        {
            var value = InstanceConfig.Get(Read(path));
            if ((path == ConfigPath || value is not null) && !InstanceConfig.IsFalse(value))
            {
                yield return path;
            }
        }
    }

    private (string? Value, string? Source) Effective()
    {
        (string?, string?) result = (null, null);
        foreach (var path in Layers)
        {
            if (InstanceConfig.Get(Read(path)) is { } value)
            {
                result = (value, path);
            }
        }

        return result;
    }

    private static string Snapshot(string? text) =>
        text is null ? WasAbsentFile
        : !InstanceConfig.HasSection(text) ? WasAbsentSection
        : InstanceConfig.Get(text) is { } value ? WasValuePrefix + value
        : WasUnset;

    private static string Describe(string before) => before switch
    {
        WasAbsentFile => "no such file",
        WasAbsentSection => "no such section",
        WasUnset => "unset",
        _ => before.StartsWith(WasValuePrefix, StringComparison.Ordinal) ? before[WasValuePrefix.Length..] : before,
    };

    /// <summary>File path to recorded original, in layer order (records of an older cocoon-net included).</summary>
    private static IEnumerable<KeyValuePair<string, string>> Records(CloudResources resources) =>
        resources.Values
            .Select(e => (Path: ResourceKeys.GuestAgentPath(e.Key, Layers), e.Value))
            .Where(e => e.Path is not null)
            .DistinctBy(e => e.Path)
            .Select(e => KeyValuePair.Create(e.Path!, e.Value))
            .OrderBy(e => Array.IndexOf(Layers, e.Key));

    private async Task<IReadOnlyList<PlanChange>> RestartAsync(bool dryRun, CancellationToken cancellationToken)
    {
        if (!agent.IsInstalled())
        {
            logger.GuestAgentNotInstalled(agent.Name);
            return [];
        }

        if (!dryRun)
        {
            try
            {
                await agent.RestartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (GkeException e)
            {
                // The setting is in place and the route gone; the agent picks the setting up at its next start.
                // Nothing was restarted, so this is reported as a fact, not as a change.
                logger.GuestAgentRestartFailed(e.Message);
                return [PlanChange.Info($"restart {agent.Name} failed", $"({e.Message}); restart it by hand")];
            }
        }

        return [PlanChange.Update($"restart {agent.Name}")];
    }

    private string? Read(string path)
    {
        var real = files.PathOf(path);
        return File.Exists(real) ? File.ReadAllText(real) : null;
    }

    /// <summary>Temp file and rename: the agent (or a crash) never sees half a file. Mode is kept.</summary>
    private void Write(string path, string text)
    {
        var real = files.PathOf(path);
        Directory.CreateDirectory(Path.GetDirectoryName(real)!);
        var temp = real + ".cocoon-net.tmp";
        File.WriteAllText(temp, text);
        File.SetUnixFileMode(temp, File.Exists(real)
            ? File.GetUnixFileMode(real)
            : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        File.Move(temp, real, overwrite: true);
    }
}
