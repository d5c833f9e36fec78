using CocoonNet.Abstractions;
using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;
using CocoonNet.Tests.Support;

namespace CocoonNet.Tests.Unit;

/// <summary>
/// What `make pack` ships to plugin authors: the contract as a plain IL assembly (a ReadyToRun or composite
/// image aborts a plugin's own test process) with its XML docs, and the template package.
/// </summary>
public sealed class SdkPackageTests
{
    [BuildFact]
    public void The_contract_package_is_the_IL_assembly_with_docs_at_the_contract_version()
    {
        using var package = ZipFile.OpenRead(SdkPackages.PathOf(SdkPackages.Contract));
        var nuspec = Nuspec(package);
        Assert.Equal(SdkPackages.Version, Metadata(nuspec, "version"));
        Assert.Equal("MIT", Metadata(nuspec, "license"));
        Assert.Equal("README.md", Metadata(nuspec, "readme"));
        Assert.NotNull(package.GetEntry("README.md"));
        Assert.False(string.IsNullOrWhiteSpace(Metadata(nuspec, "description")));

        var dll = Read(package, "lib/net10.0/CocoonNet.Abstractions.dll");
        using var pe = new PEReader(new MemoryStream(dll));
        var cor = pe.PEHeaders.CorHeader!;
        Assert.Equal(0, cor.ManagedNativeHeaderDirectory.Size);
        Assert.True((cor.Flags & CorFlags.ILOnly) != 0, "IL only");
        var reader = pe.GetMetadataReader();
        Assert.Equal(new Version(PluginContract.Major, PluginContract.Minor, 0, 0), reader.GetAssemblyDefinition().Version);
        var references = reader.AssemblyReferences.Select(h => reader.GetString(reader.GetAssemblyReference(h).Name)).ToList();
        Assert.DoesNotContain(references, r => r.Contains("r2r", StringComparison.OrdinalIgnoreCase) || r == "cocoon-net");

        var docs = Xml(package, "lib/net10.0/CocoonNet.Abstractions.xml");
        var members = docs.Descendants("member").Select(m => (string)m.Attribute("name")!).ToList();
        Assert.Contains("M:CocoonNet.Abstractions.ICloudProvider.DetectAsync(System.Threading.CancellationToken)", members);
        Assert.Contains("T:CocoonNet.Abstractions.PluginSetting", members);
        Assert.DoesNotContain(package.Entries, e => e.FullName.EndsWith(".pdb", StringComparison.Ordinal));
    }

    [BuildFact]
    public void The_template_package_offers_cocoon_net_plugin_for_this_contract()
    {
        using var package = ZipFile.OpenRead(SdkPackages.PathOf(SdkPackages.Template));
        var nuspec = Nuspec(package);
        Assert.Equal(SdkPackages.Version, Metadata(nuspec, "version"));
        Assert.Equal("MIT", Metadata(nuspec, "license"));
        var types = nuspec.Descendants().Where(e => e.Name.LocalName == "packageType").Select(e => (string)e.Attribute("name")!);
        Assert.Contains("Template", types);

        using var template = System.Text.Json.JsonDocument.Parse(Read(package, "content/cocoon-net-plugin/.template.config/template.json"));
        Assert.Equal("cocoon-net-plugin", template.RootElement.GetProperty("shortName").GetString());
        Assert.Equal("ExampleCloud", template.RootElement.GetProperty("sourceName").GetString());

        // The generated plugin references the contract package of the same version.
        var props = Xml(package, "content/cocoon-net-plugin/Directory.Build.props");
        Assert.Equal(SdkPackages.Version, props.Descendants("CocoonNetContractVersion").Single().Value);
        Assert.DoesNotContain(package.Entries, e => e.FullName.Contains("/bin/", StringComparison.Ordinal) || e.FullName.Contains("/obj/", StringComparison.Ordinal));
    }

    [BuildFact]
    public void The_test_contracts_and_the_sample_plugin_built_against_each_carry_their_version()
    {
        foreach (var (folder, version, plugin) in new[] { ("older", ContractVersions.Oldest, "acme-contract-older"), ("newer", ContractVersions.Next, "acme-contract-newer") })
        {
            var contract = Path.Combine(TestEnvironment.OutDirectory, "test-contracts", folder, "CocoonNet.Abstractions.dll");
            using (var pe = new PEReader(File.OpenRead(contract)))
            {
                Assert.Equal(Version.Parse(version + ".0.0"), pe.GetMetadataReader().GetAssemblyDefinition().Version);
            }

            var sample = Path.Combine(TestEnvironment.TestPlugins, plugin, "Acme.CocoonNet.Plugin.dll");
            using (var pe = new PEReader(File.OpenRead(sample)))
            {
                var reader = pe.GetMetadataReader();
                var reference = reader.AssemblyReferences.Select(reader.GetAssemblyReference)
                    .Single(r => reader.GetString(r.Name) == "CocoonNet.Abstractions");
                Assert.Equal(Version.Parse(version + ".0.0"), reference.Version);
            }

            Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(sample)!, "CocoonNet.Abstractions.dll")), "the contract is never copied next to a plugin");
        }
    }

    private static XDocument Nuspec(ZipArchive package) =>
        Xml(package, package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).FullName);

    private static XDocument Xml(ZipArchive package, string entry) => XDocument.Load(new MemoryStream(Read(package, entry)));

    private static string? Metadata(XDocument nuspec, string name) =>
        nuspec.Descendants().FirstOrDefault(e => e.Name.LocalName == name)?.Value;

    private static byte[] Read(ZipArchive package, string entry)
    {
        using var stream = package.GetEntry(entry)?.Open() ?? throw new FileNotFoundException($"{entry} is not in the package");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
