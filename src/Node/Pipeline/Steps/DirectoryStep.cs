using CocoonNet.Node.Linux;
using CocoonNet.Node.State;

namespace CocoonNet.Node.Pipeline.Steps;

/// <summary>
/// The directories cocoon-net created (claimed by the steps that needed them, before mkdir). Setup has
/// nothing of its own to do; teardown runs this step last and removes a recorded directory only when it
/// is empty and not a mount point. One it did not create is never touched, and one that is not empty,
/// is a mount point (a hostPath volume, say) or is busy is left where it is and forgotten. Temporary files of
/// <see cref="AtomicFile"/> (a write killed before its rename) count as cocoon-net's and go with their directory.
/// </summary>
internal sealed class DirectoryStep : IHostStep
{
    private const int EBusy = 16;

    public HostStepId Id => HostStepId.Directories;

    public Task<StepPlan> PlanSetupAsync(HostSpec spec, HostFootprint footprint, CancellationToken cancellationToken) =>
        Task.FromResult(new StepPlan(Id));

    public Task<StepPlan> PlanTeardownAsync(HostSpec spec, HostFootprint footprint, CancellationToken cancellationToken)
    {
        var plan = new StepPlan(Id);
        var mountPoints = MountPoints.Read();
        // Deepest first; entries that this teardown removes (recorded files, deeper recorded directories)
        // do not count, so a dry run shows the same plan as the real one.
        var removed = new HashSet<string>(footprint.Files, StringComparer.Ordinal);
        foreach (var directory in footprint.Directories.OrderByDescending(d => d.Length).ThenBy(d => d, StringComparer.Ordinal).ToList())
        {
            if (!Directory.Exists(directory))
            {
                Forget(footprint, directory);
                continue;
            }

            if (mountPoints.Contains(directory))
            {
                plan.Notes.Add($"keeping {directory}: it is a mount point");
                Forget(footprint, directory);
                continue;
            }

            // A write of cocoon-net's killed before its rename leaves a temporary file: it goes with the directory.
            var temporary = Directory.EnumerateFiles(directory).Where(f => AtomicFile.IsTemporary(Path.GetFileName(f))).ToList();
            var foreign = Directory.EnumerateFileSystemEntries(directory).Where(e => !removed.Contains(e) && !temporary.Contains(e)).ToList();
            if (foreign.Count > 0)
            {
                plan.Notes.Add($"keeping {directory}: not empty ({Path.GetFileName(foreign[0])}{(foreign.Count > 1 ? ", ..." : "")})");
                Forget(footprint, directory);
                continue;
            }

            removed.Add(directory);
            plan.Add($"- remove directory {directory}", null, fp =>
            {
                try
                {
                    foreach (var file in temporary.Where(f => Posix.Lstat(f) == FileKind.Regular))
                    {
                        Posix.Unlink(file);
                    }

                    Directory.Delete(directory);
                }
                catch (DirectoryNotFoundException)
                {
                }
                catch (IOException e) when (e.HResult == EBusy)
                {
                    // Became a mount point since it was checked: leave it.
                }

                Forget(fp, directory);
            });
        }

        return Task.FromResult(plan);
    }

    private static void Forget(HostFootprint footprint, string directory) => footprint.ForgetDirectory(directory);
}
