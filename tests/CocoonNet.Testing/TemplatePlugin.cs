using System.Text;

namespace CocoonNet.Tests.Support;

/// <summary>
/// A plugin made the way a third party makes one: the template package installed into a private hive,
/// `dotnet new cocoon-net-plugin` in a fresh folder outside the repository, built and tested against the
/// CocoonNet.Abstractions package alone (a NuGet source holding only out/packages, next to the feed this
/// machine restores from), then published. Done once for the test class; everything it made is removed.
/// </summary>
public sealed class TemplatePlugin : IDisposable
{
    public const string Name = "examplecloud";

    private static readonly TimeSpan Step = TimeSpan.FromMinutes(3);
    private readonly StringBuilder _log = new();

    public TemplatePlugin()
    {
        WorkDirectory = Directory.CreateTempSubdirectory("cocoon-net-sdk-").FullName;
        ProjectDirectory = Path.Combine(WorkDirectory, "ExampleCloud");
        PublishDirectory = Path.Combine(WorkDirectory, "publish");
        if (SdkPackages.WhyMissing() is { } missing)
        {
            Failure = missing;
            return;
        }

        try
        {
            Make();
        }
        catch (Exception e) when (e is TimeoutException or IOException or InvalidOperationException)
        {
            Failure = $"{e.Message}\n{_log}";
        }
    }

    /// <summary>The temporary folder holding everything (outside the repository).</summary>
    public string WorkDirectory { get; }

    /// <summary>What `dotnet new` created.</summary>
    public string ProjectDirectory { get; }

    /// <summary>Holds <see cref="Name"/>/, the published plugin folder.</summary>
    public string PublishDirectory { get; }

    /// <summary>Where restore put packages that came from a source (not from the machine's cache).</summary>
    public string RestoredPackages => Path.Combine(WorkDirectory, "packages");

    /// <summary>The generated tests' output.</summary>
    public string GeneratedTestOutput { get; private set; } = "";

    /// <summary>Why the plugin could not be made, with every step's output; null when it was.</summary>
    public string? Failure { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(WorkDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void Make()
    {
        var hive = Path.Combine(WorkDirectory, "hive");
        WriteNuGetConfig();
        Dotnet(WorkDirectory, "new", "install", SdkPackages.PathOf(SdkPackages.Template), "--debug:custom-hive", hive);
        Dotnet(WorkDirectory, "new", "cocoon-net-plugin", "-n", "ExampleCloud", "-o", ProjectDirectory, "--no-update-check", "--debug:custom-hive", hive);
        Dotnet(ProjectDirectory, "build", "-c", "Release", "--disable-build-servers");
        GeneratedTestOutput = Dotnet(ProjectDirectory, "test", "-c", "Release", "--no-build");
        Dotnet(ProjectDirectory, "publish", "src/ExampleCloud", "-c", "Release", "--no-build", "-o", Path.Combine(PublishDirectory, Name));
    }

    /// <summary>
    /// Sources: out/packages and this machine's feed. Restored packages go to a private folder, and the
    /// machine's package cache serves as a read-only fallback without any CocoonNet package in it: a stale
    /// CocoonNet.Abstractions of the same version cached by an earlier build of the package must never stand in for this one.
    /// </summary>
    private void WriteNuGetConfig()
    {
        var machineCache = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } cache
            ? cache
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var fallback = Path.Combine(WorkDirectory, "fallback");
        Directory.CreateDirectory(fallback);
        if (Directory.Exists(machineCache))
        {
            foreach (var package in Directory.EnumerateDirectories(machineCache)
                .Where(d => !Path.GetFileName(d).StartsWith("cocoonnet.", StringComparison.OrdinalIgnoreCase)))
            {
                File.CreateSymbolicLink(Path.Combine(fallback, Path.GetFileName(package)), package);
            }
        }

        var feeds = DotnetCli.Run(WorkDirectory, Step, "nuget", "list", "source", "--format", "short").Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.StartsWith('E'))
            .Select(line => line[1..].Trim())
            .ToList();
        // Each line indented like the lines of the document around it.
        var sources = string.Join('\n', feeds.Select((feed, i) => $"""    <add key="feed{i}" value="{feed}" />"""));
        File.WriteAllText(Path.Combine(WorkDirectory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{RestoredPackages}" />
              </config>
              <packageSources>
                <clear />
                <add key="cocoon-net" value="{SdkPackages.Directory}" />
            {sources}
              </packageSources>
              <fallbackPackageFolders>
                <clear />
                <add key="machine" value="{fallback}" />
              </fallbackPackageFolders>
            </configuration>
            """);
    }

    private string Dotnet(string directory, params string[] arguments)
    {
        var result = DotnetCli.Run(directory, Step, arguments);
        _log.Append("$ dotnet ").AppendJoin(' ', arguments).Append('\n').Append(result).Append('\n');
        return result.ExitCode == 0
            ? result.Stdout
            : throw new InvalidOperationException($"dotnet {string.Join(' ', arguments)} failed (exit {result.ExitCode})");
    }
}
