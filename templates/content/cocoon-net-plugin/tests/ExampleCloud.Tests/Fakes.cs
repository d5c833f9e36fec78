using CocoonNet.Abstractions;

namespace ExampleCloud.Tests;

/// <summary>A private filesystem root for the host paths the plugin uses; removed on dispose.</summary>
internal sealed class TemporaryHostFileSystem : IHostFileSystem, IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("examplecloud-test-").FullName;

    public string PathOf(string absolutePath) => Path.Combine(Root, absolutePath.TrimStart('/'));

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

/// <summary>Settings as the host would resolve them (flag, environment, config file, recorded, default).</summary>
internal sealed class FixedSettings(Dictionary<string, string> values) : IPluginSettings
{
    public string? this[string name] => values.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// Records every checkpoint, and what the cloud looked like at that moment: a checkpoint must come before the
/// mutation it covers, so the reservation it names does not exist yet when it is saved.
/// </summary>
internal sealed class RecordingCheckpoint(MyCloudApi api) : IProvisionCheckpoint
{
    public List<(CloudResources Resources, bool ReservationExisted)> Saves { get; } = [];

    public async Task SaveAsync(CloudResources resources, CancellationToken cancellationToken)
    {
        var name = resources.Value(MyCloudProvider.ReservationKey);
        var existed = name is not null && await api.FindAsync(name, cancellationToken) is not null;
        Saves.Add((resources, existed));
    }
}
