using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using CocoonNet.Abstractions;

namespace CocoonNet.Host.Plugins;

/// <summary>
/// The contract version a plugin was built against, read from its assembly's reference to
/// <c>CocoonNet.Abstractions</c> with System.Reflection.Metadata — before anything of the plugin is loaded,
/// so a plugin built for a newer contract is reported in one line instead of failing to load with the
/// runtime's multi-line binding error.
/// </summary>
internal static class ContractReference
{
    private const string ContractAssembly = "CocoonNet.Abstractions";

    /// <summary>The referenced contract version, or null when the assembly does not reference the contract.</summary>
    public static Version? Read(string assemblyPath)
    {
        using var stream = File.OpenRead(assemblyPath);
        using var pe = new PEReader(stream);
        if (!pe.HasMetadata)
        {
            throw new BadImageFormatException($"{Path.GetFileName(assemblyPath)} is not a .NET assembly");
        }

        var metadata = pe.GetMetadataReader();
        foreach (var handle in metadata.AssemblyReferences)
        {
            var reference = metadata.GetAssemblyReference(handle);
            if (metadata.StringComparer.Equals(reference.Name, ContractAssembly))
            {
                return reference.Version;
            }
        }

        return null;
    }

    /// <summary>Null when this host loads plugins built against <paramref name="version"/>, else why not, in one line.</summary>
    public static string? WhyUnsupported(Version? version)
    {
        var supported = $"{PluginContract.Major}.{PluginContract.OldestMinor} to {PluginContract.Major}.{PluginContract.Minor}";
        if (version is null)
        {
            return $"does not reference the cocoon-net contract ({ContractAssembly}); build it against the CocoonNet.Abstractions package";
        }

        if (version.Major == PluginContract.Major && version.Minor > PluginContract.Minor)
        {
            return $"built for contract {Show(version)}; this cocoon-net supports up to {PluginContract.Major}.{PluginContract.Minor}: upgrade cocoon-net, or use a build of the plugin for contract {PluginContract.Major}.{PluginContract.Minor}";
        }

        if (version.Major > PluginContract.Major)
        {
            return $"built for contract {Show(version)}; this cocoon-net supports up to {PluginContract.Major}.{PluginContract.Minor}: upgrade cocoon-net";
        }

        return version.Major < PluginContract.Major || version.Minor < PluginContract.OldestMinor
            ? $"built for contract {Show(version)}; this cocoon-net supports {supported}: rebuild the plugin against CocoonNet.Abstractions {PluginContract.Major}.{PluginContract.Minor}"
            : null;
    }

    public static string Show(Version version) => $"{version.Major}.{version.Minor}";
}
