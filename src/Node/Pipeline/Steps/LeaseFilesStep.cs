using CocoonNet.Node.Linux;
using CocoonNet.Node.State;

namespace CocoonNet.Node.Pipeline.Steps;

/// <summary>
/// What the agent leaves for other programs (vk-cocoon): <c>&lt;state-dir&gt;/leases.json</c> and the control socket.
/// The agent writes both in either DHCP backend, so setup has nothing to do; teardown removes them, each only when it is
/// what it should be (a regular file, a socket): a link or anything else planted there is left alone, never followed.
/// </summary>
internal sealed class LeaseFilesStep(HostPaths paths) : IHostStep
{
    public HostStepId Id => HostStepId.Leases;

    public Task<StepPlan> PlanSetupAsync(HostSpec spec, HostFootprint footprint, CancellationToken cancellationToken) =>
        Task.FromResult(new StepPlan(Id));

    public Task<StepPlan> PlanTeardownAsync(HostSpec spec, HostFootprint footprint, CancellationToken cancellationToken)
    {
        var plan = new StepPlan(Id);
        if (spec.LeaseFile is { } leaseFile)
        {
            PlanRemoval(plan, leaseFile, FileKind.Regular, "a regular file");
        }

        PlanRemoval(plan, paths.ControlSocket, FileKind.Socket, "a socket");
        return Task.FromResult(plan);
    }

    private static void PlanRemoval(StepPlan plan, string path, FileKind kind, string what)
    {
        var found = Posix.Lstat(path);
        if (found == FileKind.Missing)
        {
            return;
        }

        if (found != kind)
        {
            plan.Notes.Add($"keeping {path}: not {what}");
            return;
        }

        // unlink(2) removes the name itself: a link swapped in since the check is removed, never followed.
        plan.Add($"- remove {path}", null, _ => File.Delete(path));
    }
}
