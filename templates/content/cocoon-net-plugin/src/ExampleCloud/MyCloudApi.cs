using System.Text.Json;
using CocoonNet.Abstractions;

namespace ExampleCloud;

/// <summary>
/// Stands in for your cloud's API client. The "example" cloud keeps each reservation as a file under
/// <see cref="ApiDirectory"/> on the host (mapped through <see cref="IHostFileSystem"/>, so tests and
/// cocoon-net's sandbox root redirect it). Replace the bodies with your cloud's SDK or REST calls and keep the
/// shape: find by a name derived from the node, create-or-update idempotently, delete by name, and treat
/// "not found" as an answer rather than an error.
/// </summary>
internal sealed class MyCloudApi(IHostFileSystem files)
{
    /// <summary>Where the stand-in cloud keeps its reservations.</summary>
    internal const string ApiDirectory = "/var/lib/examplecloud/api";

    /// <summary>The reservation called <paramref name="name"/>, or null when there is none.</summary>
    public async Task<Reservation?> FindAsync(string name, CancellationToken cancellationToken)
    {
        var path = PathOf(name);
        if (!File.Exists(path))
        {
            return null;
        }

        await using var stream = File.OpenRead(path);
        return await JsonSerializer.DeserializeAsync(stream, ReservationJson.Default.Reservation, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates or replaces the reservation (idempotent: the same call twice leaves one reservation).</summary>
    public async Task PutAsync(Reservation reservation, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(files.PathOf(ApiDirectory));
        var path = PathOf(reservation.Name);
        var temporary = path + ".tmp";
        await using (var stream = File.Create(temporary))
        {
            await JsonSerializer.SerializeAsync(stream, reservation, ReservationJson.Default.Reservation, cancellationToken).ConfigureAwait(false);
        }

        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Deletes the reservation; false when it was already gone.</summary>
    public Task<bool> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var path = PathOf(name);
        if (!File.Exists(path))
        {
            return Task.FromResult(false);
        }

        File.Delete(path);
        // The stand-in cloud leaves nothing behind once it holds no reservation.
        var directory = files.PathOf(ApiDirectory);
        if (!Directory.EnumerateFileSystemEntries(directory).Any())
        {
            Directory.Delete(directory);
            var parent = Path.GetDirectoryName(directory)!;
            if (!Directory.EnumerateFileSystemEntries(parent).Any())
            {
                Directory.Delete(parent);
            }
        }

        return Task.FromResult(true);
    }

    private string PathOf(string name) => Path.Combine(files.PathOf(ApiDirectory), name + ".json");
}
