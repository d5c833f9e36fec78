using CocoonNet.Abstractions;
using CocoonNet.Host.Linux;

namespace CocoonNet.Host.Composition;

/// <summary>The contract's view of the host's links, for plugins.</summary>
internal sealed class HostLinks(IKernelNetwork kernel) : IHostLinks
{
    public Task<IReadOnlyList<HostLink>> ListAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<HostLink>>(
            kernel.ListLinks().Select(l => new HostLink(l.Name, l.Index, l.Mac, l.IsUp, l.Kind)).ToList());

    public Task SetUpAsync(string name, CancellationToken cancellationToken)
    {
        var link = kernel.ListLinks().FirstOrDefault(l => l.Name == name)
            ?? throw new InvalidOperationException($"set {name} up: no such link");
        if (!link.IsUp)
        {
            kernel.SetLinkUp(link.Index);
        }

        return Task.CompletedTask;
    }
}
