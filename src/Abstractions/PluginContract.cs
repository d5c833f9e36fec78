namespace CocoonNet.Abstractions;

/// <summary>
/// The version of the plugin contract (this assembly). A plugin records the version it was built against in
/// its reference to <c>CocoonNet.Abstractions</c>; the host reads that reference before loading the plugin.
/// <para>
/// Rules: a minor version only adds (new types, new members with a default body, new optional
/// <c>init</c> properties), so a plugin built against an older minor of the same major loads unchanged; a
/// plugin built against a newer minor or another major is reported by <c>cocoon-net plugins</c> and not loaded.
/// The assembly version is <c>Major.Minor.0.0</c>.
/// </para>
/// <para>History: 2.0 — init-only contract types, registration helpers, typed plan changes, the address pool,
/// <see cref="ICloudProvider.ValidateAsync"/>; 2.1 — plugin settings (<c>ICocoonNetPlugin.Settings</c>);
/// 2.2 — continuous operation: <c>IHostNetworkBackend.DescribeWatchAsync</c> (<c>HostWatch</c>) and
/// <c>ICloudProvider.MinimumStatusInterval</c>, <c>CloudStatus.Drift</c> and <c>CloudStatus.Reachable</c>, for the
/// long-running agent; 2.3 — <c>IDetectionFallback</c>: detection by the metadata service alone when no provider
/// sees its local signal, as upstream detects.</para>
/// </summary>
public static class PluginContract
{
    /// <summary>Major version: changes only when a type changes shape incompatibly.</summary>
    public const int Major = 2;

#if CONTRACT_2_0
    /// <summary>Minor version of this build of the contract.</summary>
    public const int Minor = 0;
#elif CONTRACT_BEFORE_2_2
    /// <summary>Minor version of this build of the contract.</summary>
    public const int Minor = 1;
#elif CONTRACT_BEFORE_2_3
    /// <summary>Minor version of this build of the contract.</summary>
    public const int Minor = 2;
#else
    /// <summary>Minor version of this build of the contract.</summary>
    public const int Minor = 3;
#endif

    /// <summary>The oldest minor of <see cref="Major"/> this build of the contract still loads.</summary>
    public const int OldestMinor = 0;

    /// <summary><see cref="Major"/>.<see cref="Minor"/> as a version.</summary>
    public static Version Current { get; } = new(Major, Minor);
}
