using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using CocoonNet.Host.Kubernetes;

namespace CocoonNet.Tests.Unit.Kubernetes;

/// <summary>
/// An in-memory API behind the seam, as the API server behaves where it matters: a create of an existing name is
/// refused (409), a delete at a stale resourceVersion is refused, and a call can be made to fail (the API away).
/// </summary>
internal sealed class FakeNodeApi : INodeApi
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SubnetLease> _leases = new(StringComparer.Ordinal);
    private long _version;

    public ConcurrentDictionary<string, ClusterNode> Nodes { get; } = new(StringComparer.Ordinal);

    public ConcurrentQueue<(string Node, NodeStatusUpdate Update)> Statuses { get; } = new();

    public ConcurrentQueue<NodeEventNote> Events { get; } = new();

    /// <summary>While true every call throws, as an unreachable API server does.</summary>
    public volatile bool Down;

    public int CreateConflicts;

    /// <summary>When set, deleting a lease another node holds is refused (403), as the admission policy does.</summary>
    public string? DeletesOnlyHeldBy { get; set; }

    /// <summary>Run after a create was refused (409), before the caller reads the lease: e.g. a teardown releasing it.</summary>
    public Action<string>? AfterConflict { get; set; }

    public IReadOnlyList<SubnetLease> Leases
    {
        get
        {
            lock (_gate)
            {
                return [.. _leases.Values];
            }
        }
    }

    public void AddNode(string name, params System.Net.IPAddress[] addresses) =>
        Nodes[name] = new ClusterNode(name, Guid.NewGuid().ToString(), new Dictionary<string, string>(), addresses);

    public void PutLease(SubnetLease lease)
    {
        lock (_gate)
        {
            _leases[lease.Name] = lease with { ResourceVersion = (++_version).ToString(System.Globalization.CultureInfo.InvariantCulture) };
        }
    }

    public Task<ClusterNode?> GetNodeAsync(string name, CancellationToken cancellationToken)
    {
        Check();
        return Task.FromResult(Nodes.TryGetValue(name, out var node) ? node : null);
    }

    public async IAsyncEnumerable<ClusterNode> WatchNodeAsync(string name, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ClusterNode? last = null;
        while (true)
        {
            if (!Down && Nodes.TryGetValue(name, out var node) && !ReferenceEquals(node, last))
            {
                last = node;
                yield return node;
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    public Task PatchAnnotationsAsync(string node, IReadOnlyDictionary<string, string?> annotations, CancellationToken cancellationToken)
    {
        Check();
        var current = Nodes[node];
        var merged = new Dictionary<string, string>(current.Annotations, StringComparer.Ordinal);
        foreach (var (key, value) in annotations)
        {
            if (value is null)
            {
                merged.Remove(key);
            }
            else
            {
                merged[key] = value;
            }
        }

        Nodes[node] = current with { Annotations = merged };
        return Task.CompletedTask;
    }

    public Task PatchStatusAsync(string node, NodeStatusUpdate update, CancellationToken cancellationToken)
    {
        Check();
        Statuses.Enqueue((node, update));
        return Task.CompletedTask;
    }

    public async Task<bool> CreateLeaseAsync(string ns, SubnetLease lease, CancellationToken cancellationToken)
    {
        Check();
        await Task.Yield(); // let racing allocators interleave
        lock (_gate)
        {
            if (_leases.ContainsKey(lease.Name))
            {
                CreateConflicts++;
                if (AfterConflict is { } after)
                {
                    _leases.Remove(lease.Name);
                    after(lease.Name);
                }

                return false;
            }

            _leases[lease.Name] = lease with { ResourceVersion = (++_version).ToString(System.Globalization.CultureInfo.InvariantCulture) };
            return true;
        }
    }

    public Task<SubnetLease?> GetLeaseAsync(string ns, string name, CancellationToken cancellationToken)
    {
        Check();
        lock (_gate)
        {
            return Task.FromResult(_leases.TryGetValue(name, out var lease) ? lease : null);
        }
    }

    public Task<IReadOnlyList<SubnetLease>> ListLeasesAsync(string ns, CancellationToken cancellationToken)
    {
        Check();
        return Task.FromResult(Leases);
    }

    public Task<bool> DeleteLeaseAsync(string ns, string name, string resourceVersion, CancellationToken cancellationToken)
    {
        Check();
        lock (_gate)
        {
            if (DeletesOnlyHeldBy is { } self && _leases.TryGetValue(name, out var held) && held.Holder != self)
            {
                throw new k8s.Autorest.HttpOperationException("Operation returned an invalid status code 'Forbidden'")
                {
                    Response = new k8s.Autorest.HttpResponseMessageWrapper(new HttpResponseMessage(System.Net.HttpStatusCode.Forbidden), ""),
                };
            }

            return Task.FromResult(_leases.TryGetValue(name, out var lease) && lease.ResourceVersion == resourceVersion && _leases.Remove(name));
        }
    }

    public Task<bool> RenewLeaseAsync(string ns, SubnetLease lease, DateTimeOffset now, CancellationToken cancellationToken)
    {
        Check();
        lock (_gate)
        {
            if (!_leases.TryGetValue(lease.Name, out var current) || current.Holder != lease.Holder)
            {
                return Task.FromResult(false);
            }

            _leases[lease.Name] = current with { RenewTime = now, ResourceVersion = (++_version).ToString(System.Globalization.CultureInfo.InvariantCulture) };
            return Task.FromResult(true);
        }
    }

    public Task CreateEventAsync(ClusterNode node, NodeEventNote note, CancellationToken cancellationToken)
    {
        Check();
        Events.Enqueue(note);
        return Task.CompletedTask;
    }

    private void Check()
    {
        if (Down)
        {
            throw new HttpRequestException("connection refused (test: the API is down)");
        }
    }
}
