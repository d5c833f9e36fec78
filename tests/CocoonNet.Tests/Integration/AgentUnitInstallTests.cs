using CocoonNet.Tests.Support;

namespace CocoonNet.Tests.Integration;

/// <summary><c>make install</c> ships the agent's unit for its prefix, not enabled; uninstall removes it.</summary>
public sealed class AgentUnitInstallTests
{
    [BuildFact]
    public void Install_ships_the_agent_unit_for_its_prefix_not_enabled_and_uninstall_removes_it()
    {
        var destination = Path.Combine(Path.GetTempPath(), $"cocoon-net-unit-install-{Guid.NewGuid():N}");
        string[] make = ["-C", TestEnvironment.RepositoryRoot, $"OUT={TestEnvironment.OutDirectory}", $"DESTDIR={destination}", "PREFIX=/usr/local"];
        try
        {
            var install = Shell.Run("make", [.. make, "install"], timeout: TimeSpan.FromSeconds(120));
            Assert.True(install.ExitCode == 0, install.ToString());

            var unit = Path.Combine(destination, "usr/local/lib/systemd/system/cocoon-net.service");
            var text = File.ReadAllText(unit);
            Assert.Contains("\nExecStart=/usr/local/bin/cocoon-net agent\n", text);
            Assert.Equal(text.Replace("/usr/local/bin/cocoon-net agent", "/usr/bin/cocoon-net agent", StringComparison.Ordinal),
                File.ReadAllText(Path.Combine(TestEnvironment.RepositoryRoot, "packaging/systemd/cocoon-net.service")));
            Assert.Equal(
                UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
                File.GetUnixFileMode(unit));
            Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(destination, "*.wants", SearchOption.AllDirectories), _ => true);
            Assert.Contains("(not enabled)", install.Stdout);

            var uninstall = Shell.Run("make", [.. make, "uninstall"]);
            Assert.True(uninstall.ExitCode == 0, uninstall.ToString());
            Assert.False(File.Exists(unit));
            Assert.Empty(Directory.EnumerateFiles(destination, "*", SearchOption.AllDirectories));
        }
        finally
        {
            if (Directory.Exists(destination))
            {
                Directory.Delete(destination, recursive: true);
            }
        }
    }
}
