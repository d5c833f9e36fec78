using CocoonNet.Node.Linux;

namespace CocoonNet.Host.Cli;

/// <summary>
/// Upstream daemon's --lease-file and issue 22's --control-socket (and COCOON_NET_CONTROL_SOCKET). Both paths are
/// fixed here because every reader finds them there: status, teardown and the next run look for leases.json in the
/// state directory and for the socket in /run/cocoon-net, and vk-cocoon reads both at its defaults. A path that
/// names where they already are is accepted (an upstream unit keeps working); any other is refused before anything
/// runs rather than honoured by the agent alone and missed by everything else.
/// </summary>
internal static class UpstreamPaths
{
    /// <param name="leaseFile">--lease-file as given; null when not given.</param>
    /// <param name="controlSocket">--control-socket as given; null when not given (then COCOON_NET_CONTROL_SOCKET is checked).</param>
    /// <param name="stateDirectory">The state directory this run uses, leases.json's directory.</param>
    /// <param name="paths">The host paths, the control socket's among them.</param>
    public static void Check(string? leaseFile, string? controlSocket, string stateDirectory, HostPaths paths)
    {
        if (leaseFile is not null)
        {
            var expected = Node.Leases.LeaseFile.PathIn(stateDirectory);
            if (!Same(leaseFile, expected))
            {
                var hint = leaseFile.Trim().Length > 0 && Path.GetFileName(leaseFile.Trim()) == Node.Leases.LeaseFile.FileName
                    ? $", or move the state with --state-dir {Path.GetDirectoryName(Path.GetFullPath(leaseFile.Trim()))} (pool.json goes with it)"
                    : "";
                throw new UsageException(
                    $"--lease-file {OptionValues.Show(leaseFile)}: leases.json is always in the state directory, here {expected}; leave --lease-file out{hint}");
            }
        }

        var (source, socket) = controlSocket is not null
            ? ("--control-socket ", controlSocket)
            : ($"{AgentCliOptions.ControlSocketVariable}=", Environment.GetEnvironmentVariable(AgentCliOptions.ControlSocketVariable));
        // An empty variable counts as unset; an empty flag is a mistake.
        if ((controlSocket is not null || !string.IsNullOrWhiteSpace(socket)) && !Same(socket ?? "", paths.ControlSocket))
        {
            throw new UsageException(
                $"{source}{OptionValues.Show(socket ?? "")}: the control socket is always {paths.ControlSocket}, where vk-cocoon and status find it; "
                + (controlSocket is not null ? "leave --control-socket out" : $"unset {AgentCliOptions.ControlSocketVariable}"));
        }
    }

    private static bool Same(string given, string expected) =>
        given.Trim().Length > 0 && !given.Any(char.IsControl)
            && string.Equals(Path.GetFullPath(given.Trim()), Path.GetFullPath(expected), StringComparison.Ordinal);
}
