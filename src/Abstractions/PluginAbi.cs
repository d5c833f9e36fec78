namespace CocoonNet.Abstractions;

/// <summary>
/// The version of the plugin contract. A plugin reports the value it was compiled against
/// (<see cref="ICocoonNetPlugin.AbiVersion"/>); the host loads only plugins whose value equals its own.
/// Bump it whenever a type in this assembly changes shape.
/// </summary>
public static class PluginAbi
{
    /// <summary>The ABI version of this build of the contract.</summary>
    public const int Version = 1;
}
