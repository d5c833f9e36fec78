using System.Reflection;
using System.Runtime.Loader;
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

    [BuildFact]
    public void A_sticky_world_writable_plugins_directory_or_plugin_folder_is_refused()
    {
        var directory = PluginFolders.Create(_root, "acme");
        var folder = Path.Combine(directory, "acme");

        // Sticky stops others renaming or removing entries, not adding them: anyone could add a plugin.
        File.SetUnixFileMode(directory, (UnixFileMode)0b1_111_111_111);
        var refused = Assert.Single(PluginCatalog.Discover(directory, allowInsecure: false, NullLogger.Instance));
        Assert.Equal($"skipped: insecure: {directory} is world-writable; run chmod go-w {directory} (or pass --allow-insecure-plugins)", refused.Status);

        File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(folder, (UnixFileMode)0b1_111_111_111);
        refused = Assert.Single(PluginCatalog.Discover(directory, allowInsecure: false, NullLogger.Instance));
        Assert.Equal($"skipped: insecure: {folder} is world-writable; run chmod go-w {folder} (or pass --allow-insecure-plugins)", refused.Status);
    }

    [BuildFact]
    public void A_root_owned_sticky_ancestor_such_as_tmp_is_allowed_but_not_another_users()
    {
        var sticky = Path.Combine(_root, "sticky");
        Directory.CreateDirectory(sticky);
        File.SetUnixFileMode(sticky, (UnixFileMode)0b1_111_111_111);
        var directory = PluginFolders.Create(sticky, "acme");
        Assert.True(Assert.Single(PluginCatalog.Discover(directory, allowInsecure: false, NullLogger.Instance)).IsLoaded);

        Shell.Check("chown", "65534", sticky);
        Assert.Contains($"{sticky} is owned by uid 65534, not root",
            Assert.Single(PluginCatalog.Discover(directory, allowInsecure: false, NullLogger.Instance)).Status);
    }

    [ToolFact("setfacl")]
    [NeedsBuild]
    public void An_acl_letting_another_user_write_the_folder_or_a_file_is_refused()
    {
        var directory = PluginFolders.Create(_root, "acme");
        var folder = Path.Combine(directory, "acme");
        var dll = Path.Combine(folder, "Acme.CocoonNet.Plugin.dll");
        foreach (var path in new[] { directory, folder, dll })
        {
            // The mode still reads root:root, group-writable by root's group only: only the ACL says who else writes.
            Shell.Check("setfacl", "-m", "u:nobody:rwx", path);
            var refused = Assert.Single(PluginCatalog.Discover(directory, allowInsecure: false, NullLogger.Instance));
            Assert.Equal($"skipped: insecure: {path} has an ACL that lets user 65534 write; run setfacl -b {path} (or pass --allow-insecure-plugins)", refused.Status);
            Shell.Check("setfacl", "-b", path);
        }

        // A group entry counts the same; one the mask takes write from does not.
        Shell.Check("setfacl", "-m", "g:nogroup:rwx", folder);
        Assert.Contains("has an ACL that lets group", Assert.Single(PluginCatalog.Discover(directory, allowInsecure: false, NullLogger.Instance)).Status);
        Shell.Check("setfacl", "-m", "m::rx", folder);
        Assert.True(Assert.Single(PluginCatalog.Discover(directory, allowInsecure: false, NullLogger.Instance)).IsLoaded);
    }

    [BuildFact]
    public void A_dependency_made_writable_or_replaced_after_discovery_is_refused_when_it_loads()
    {
        var directory = Sandbox.CopyPlugins(Path.Combine(_root, "plugins"), Path.Combine(TestEnvironment.OutDirectory, "plugins"), "gke");
        var gke = Assert.Single(PluginCatalog.Discover(directory, allowInsecure: false, NullLogger.Instance));
        Assert.True(gke.IsLoaded, gke.Status);
        var context = (PluginLoadContext)AssemblyLoadContext.GetLoadContext(gke.Assembly!)!;
        var (first, second) = PrivateDependencies(gke.Folder);

        // Between discovery and the first use of a dependency (in the agent, hours later): made writable, then loaded.
        var writable = Path.Combine(gke.Folder, first + ".dll");
        File.SetUnixFileMode(writable, (UnixFileMode)0b110_110_110);
        var refused = Assert.ThrowsAny<Exception>(() => context.LoadFromAssemblyName(new AssemblyName(first)));
        Assert.Contains($"{writable} is world-writable; run chmod go-w {writable}", Messages(refused));

        // Replaced by a symlink to a file only root can write: refused too, nothing is read through it.
        var replaced = Path.Combine(gke.Folder, second + ".dll");
        File.Move(replaced, Path.Combine(_root, second + ".dll"));
        File.CreateSymbolicLink(replaced, Path.Combine(_root, second + ".dll"));
        refused = Assert.ThrowsAny<Exception>(() => context.LoadFromAssemblyName(new AssemblyName(second)));
        Assert.Contains($"{replaced}: it is a symbolic link", Messages(refused));
    }

    /// <summary>Two assemblies of the plugin's folder the test host does not have itself (so they load from the folder).</summary>
    private static (string, string) PrivateDependencies(string folder)
    {
        var names = Directory.GetFiles(folder, "*.dll").Select(Path.GetFileNameWithoutExtension)
            .Where(n => !n!.StartsWith("CocoonNet.", StringComparison.Ordinal) && !n.StartsWith("Microsoft.", StringComparison.Ordinal)
                && !n.StartsWith("System.", StringComparison.Ordinal)
                && AssemblyLoadContext.Default.Assemblies.All(a => a.GetName().Name != n)
                && !File.Exists(Path.Combine(AppContext.BaseDirectory, n + ".dll")))
            .Order(StringComparer.Ordinal).ToList();
        Assert.True(names.Count >= 2, $"the gke plugin has fewer than two private dependencies: {string.Join(", ", names)}");
        return (names[0]!, names[1]!);
    }

    private static string Messages(Exception e) => e.InnerException is { } inner ? $"{e.Message} | {Messages(inner)}" : e.Message;

    [Fact]
    public void A_missing_plugins_directory_yields_no_plugins() =>
        Assert.Empty(PluginCatalog.Discover(Path.Combine(_root, "nope"), allowInsecure: false, NullLogger.Instance));
}
