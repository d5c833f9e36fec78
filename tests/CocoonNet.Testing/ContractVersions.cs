using CocoonNet.Abstractions;

namespace CocoonNet.Tests.Support;

/// <summary>
/// The contract versions the version-range tests use, derived from the contract itself so a new minor needs no test
/// edits: the current one, and the next one (built by make test-plugins as a contract this cocoon-net refuses).
/// </summary>
internal static class ContractVersions
{
    public static string Current { get; } = $"{PluginContract.Major}.{PluginContract.Minor}";

    public static string Next { get; } = $"{PluginContract.Major}.{PluginContract.Minor + 1}";

    /// <summary>The oldest minor make test-plugins builds (out/test-contracts/older, plugin acme-contract-older).</summary>
    public const string Oldest = "2.0";

    public static string Escaped(string version) => version.Replace(".", "\\.", StringComparison.Ordinal);
}
