using CocoonNet.Abstractions;
using CocoonNet.Host.Plugins;
using CocoonNet.Tests.Integration;
using CocoonNet.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace CocoonNet.Tests.Unit;

/// <summary>Discovery against real plugin folders built by make test-plugins.</summary>
public sealed class PluginCatalogTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"cocoon-plugins-{Guid.NewGuid():N}");

    public PluginCatalogTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [BuildFact]
    public void Good_plugins_load_and_bad_ones_are_reported_not_fatal()
    {
        var directory = PluginFolders.Create(_root, "adopt", "acme", "acme-contract-older", "acme-contract-newer");
        var broken = Path.Combine(directory, "broken");
        Directory.CreateDirectory(broken);
        File.WriteAllText(Path.Combine(broken, "broken.deps.json"), "{}");
        File.WriteAllText(Path.Combine(broken, "broken.dll"), "not an assembly");
        var junk = Path.Combine(directory, "junk");
        Directory.CreateDirectory(junk);
        File.Copy(Path.Combine(TestEnvironment.TestPlugins, "acme", "Acme.CocoonNet.Plugin.deps.json"), Path.Combine(junk, "junk.deps.json"));
        File.WriteAllText(Path.Combine(junk, "junk.dll"), "not an assembly");
        Directory.CreateDirectory(Path.Combine(directory, "empty"));

        var plugins = PluginCatalog.Discover(directory, allowInsecure: false, NullLogger.Instance).ToDictionary(p => Path.GetFileName(p.Folder));
        Assert.True(plugins["adopt"].IsLoaded, plugins["adopt"].Status);
        Assert.Equal("generic", plugins["adopt"].Platform);
        Assert.True(plugins["acme"].IsLoaded, plugins["acme"].Status);
        Assert.Equal(PluginContract.Current, new Version(plugins["acme"].Contract!.Major, plugins["acme"].Contract!.Minor));
        // The previous minor loads (minors only add); the next one is refused before anything of it is loaded.
        Assert.Equal("skipped: another plugin named acme is already loaded (from " + plugins["acme"].Folder + ")", plugins["acme-contract-older"].Status);
        Assert.Equal(new Version(2, 0, 0, 0), plugins["acme-contract-older"].Contract);
        Assert.Equal($"skipped: built for contract {ContractVersions.Next}; this cocoon-net supports up to {ContractVersions.Current}: "
            + $"upgrade cocoon-net, or use a build of the plugin for contract {ContractVersions.Current}",
            plugins["acme-contract-newer"].Status);
        Assert.Equal("skipped: invalid broken.deps.json: no runtimeTarget.name", plugins["broken"].Status);
        Assert.StartsWith("skipped: cannot read junk.dll: ", plugins["junk"].Status);
        Assert.Equal("skipped: no plugin assembly (expected one <Name>.deps.json with its <Name>.dll)", plugins["empty"].Status);
    }

    [BuildFact]
    public void A_world_writable_plugin_folder_is_refused_unless_explicitly_allowed()
    {
        var directory = PluginFolders.Create(_root, "acme");
        File.SetUnixFileMode(Path.Combine(directory, "acme"), (UnixFileMode)0b111_111_111);

        var refused = Assert.Single(PluginCatalog.Discover(directory, allowInsecure: false, NullLogger.Instance));
        Assert.False(refused.IsLoaded);
        Assert.Contains("insecure:", refused.Status);
        Assert.Contains("is world-writable", refused.Status);
        Assert.Contains("--allow-insecure-plugins", refused.Status);

        Assert.True(Assert.Single(PluginCatalog.Discover(directory, allowInsecure: true, NullLogger.Instance)).IsLoaded);
    }

    [BuildFact]
    public void A_plugin_file_owned_by_another_user_is_refused()
    {
        var directory = PluginFolders.Create(_root, "acme");
        File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
        var dll = Path.Combine(directory, "acme", "Acme.CocoonNet.Plugin.dll");
        Shell.Check("chown", "65534", dll);
        var refused = Assert.Single(PluginCatalog.Discover(directory, allowInsecure: false, NullLogger.Instance));
        Assert.Contains("is owned by uid 65534, not root", refused.Status);
    }

    [Fact]
    public void A_missing_plugins_directory_yields_no_plugins() =>
        Assert.Empty(PluginCatalog.Discover(Path.Combine(_root, "nope"), allowInsecure: false, NullLogger.Instance));
}
