using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using CocoonNet.Host.Operations;
using Polly;

namespace CocoonNet.Host.Kubernetes;

/// <summary><see cref="INodeApi"/> on the official client (KubernetesClient), each call through <see cref="ApiRetry"/>.</summary>
internal sealed class KubernetesNodeApi : INodeApi, IDisposable
{
    private static readonly TimeSpan FirstWatchBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxWatchBackoff = TimeSpan.FromSeconds(30);

    private readonly k8s.Kubernetes _client;
    private readonly ResiliencePipeline _retry;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public KubernetesNodeApi(k8s.Kubernetes client, TimeProvider time, ILogger logger)
    {
        _client = client;
        _time = time;
        _logger = logger;
        _retry = ApiRetry.Build(time, logger);
    }

    /// <summary>--kubeconfig, else KUBECONFIG, else the pod's service account (in-cluster config).</summary>
    public static KubernetesNodeApi Create(string? kubeconfig, TimeProvider time, ILogger logger)
    {
        var path = kubeconfig ?? NullIfEmpty(Environment.GetEnvironmentVariable("KUBECONFIG"));
        KubernetesClientConfiguration config;
        if (path is not null)
        {
            if (!File.Exists(path))
            {
                throw new UsageException($"kubeconfig {path} does not exist: give --kubeconfig PATH, or run in a pod (in-cluster config)");
            }

            config = KubernetesClientConfiguration.BuildConfigFromConfigFile(path);
        }
        else if (KubernetesClientConfiguration.IsInCluster())
        {
            config = KubernetesClientConfiguration.InClusterConfig();
        }
        else
        {
            throw new UsageException("no Kubernetes configuration: give --kubeconfig PATH, set KUBECONFIG, or run in a pod with a service account");
        }

        // Each attempt has its own timeout (ApiRetry); a watch is long-lived, so the client's own timeout is off.
        config.HttpClientTimeout = Timeout.InfiniteTimeSpan;
        return new KubernetesNodeApi(new k8s.Kubernetes(config), time, logger);
    }

    /// <summary>
    /// How long one watch may last before it is given up and listed again: the server ends it after timeoutSeconds
    /// (WatchSeconds), so a watch still open well after that is a connection that went silent (an API server or a
    /// path gone without a reset), which nothing else would notice (the client's timeout is off for watches).
    /// </summary>
    internal TimeSpan WatchLimit { get; init; } = TimeSpan.FromSeconds(WatchSeconds + 30);

    private const int WatchSeconds = 300;

    public void Dispose() => _client.Dispose();

    public Task<ClusterNode?> GetNodeAsync(string name, CancellationToken cancellationToken) =>
        Call(async ct => Map(await _client.CoreV1.ReadNodeAsync(name, cancellationToken: ct).ConfigureAwait(false)), (ClusterNode?)null, cancellationToken);

    public async IAsyncEnumerable<ClusterNode> WatchNodeAsync(string name, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var delay = FirstWatchBackoff;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // List (a GET of the one node) then watch from its resourceVersion; on a drop or 410 Gone, start over.
            var nodes = Channel();
            var pump = PumpAsync(name, nodes.Writer, cancellationToken);
            await foreach (var node in nodes.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                delay = FirstWatchBackoff;
                yield return node;
            }

            var failure = await pump.ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (failure is null)
            {
                if (_logger.IsEnabled(LogLevel.Debug))
                {
                    _logger.WatchEnded(Agent.Durations.Format(delay));
                }
            }
            else
            {
                _logger.WatchFailed(Agent.Durations.Format(delay), failure);
            }
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            delay = Agent.Durations.Doubled(delay, MaxWatchBackoff);
        }
    }

    private static System.Threading.Channels.Channel<ClusterNode> Channel() =>
        System.Threading.Channels.Channel.CreateUnbounded<ClusterNode>(new System.Threading.Channels.UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    /// <summary>One list-and-watch; returns why it ended (null: the server closed the watch).</summary>
    private async Task<string?> PumpAsync(string name, System.Threading.Channels.ChannelWriter<ClusterNode> writer, CancellationToken cancellationToken)
    {
        using var limit = new CancellationTokenSource(WatchLimit, _time);
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
        try
        {
            var node = await _retry.ExecuteAsync(async ct => await _client.CoreV1.ReadNodeAsync(name, cancellationToken: ct).ConfigureAwait(false), cancellationToken)
                .ConfigureAwait(false);
            await writer.WriteAsync(Map(node), cancellationToken).ConfigureAwait(false);
            var watch = _client.CoreV1.WatchListNodeAsync(
                fieldSelector: $"metadata.name={name}",
                resourceVersion: node.Metadata.ResourceVersion,
                allowWatchBookmarks: true,
                timeoutSeconds: WatchSeconds,
                cancellationToken: watching.Token);
            await foreach (var (type, changed) in watch.ConfigureAwait(false))
            {
                if (type is WatchEventType.Added or WatchEventType.Modified && changed?.Metadata?.Name == name)
                {
                    await writer.WriteAsync(Map(changed), cancellationToken).ConfigureAwait(false);
                }
            }

            return null;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested && limit.IsCancellationRequested)
        {
            return $"no end of the watch from the API server after {Agent.Durations.Format(WatchLimit)}";
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // 410 Gone (the resourceVersion is too old), a dropped connection, the API away: list and watch again.
            return e.Message;
        }
        finally
        {
            writer.TryComplete();
        }
    }

    public Task PatchAnnotationsAsync(string node, IReadOnlyDictionary<string, string?> annotations, CancellationToken cancellationToken)
    {
        var values = new JsonObject();
        foreach (var (key, value) in annotations)
        {
            values[key] = value;
        }

        var patch = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = values } };
        return Call(ct => _client.CoreV1.PatchNodeAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch), node, cancellationToken: ct), cancellationToken);
    }

    public Task PatchStatusAsync(string node, NodeStatusUpdate update, CancellationToken cancellationToken)
    {
        var status = new JsonObject
        {
            // Strategic merge: conditions merge by type, so kubelet's own conditions stay as they are.
            ["conditions"] = new JsonArray(new JsonObject
            {
                ["type"] = ClusterNames.Condition,
                ["status"] = update.Ready ? "True" : "False",
                ["reason"] = update.Reason,
                ["message"] = update.Message,
                ["lastHeartbeatTime"] = Rfc3339(update.HeartbeatTime),
                ["lastTransitionTime"] = Rfc3339(update.TransitionTime),
            }),
        };
        if (update.PoolSize is { } size)
        {
            // The API server does not copy capacity to allocatable (kubelet does, on its next status update:
            // kubernetes.io/docs/tasks/administer-cluster/extended-resource-node/): both, so it is right at once.
            var count = size.ToString(System.Globalization.CultureInfo.InvariantCulture);
            status["capacity"] = new JsonObject { [ClusterNames.Resource] = count };
            status["allocatable"] = new JsonObject { [ClusterNames.Resource] = count };
        }

        var patch = new JsonObject { ["status"] = status };
        return Call(ct => _client.CoreV1.PatchNodeStatusAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.StrategicMergePatch), node, cancellationToken: ct),
            cancellationToken);
    }

    public Task<bool> CreateLeaseAsync(string ns, SubnetLease lease, CancellationToken cancellationToken) =>
        Call(async ct =>
        {
            try
            {
                await _client.CoordinationV1.CreateNamespacedLeaseAsync(ToLease(ns, lease), ns, cancellationToken: ct).ConfigureAwait(false);
            }
            catch (HttpOperationException e) when (ApiRetry.Status(e) == HttpStatusCode.NotFound)
            {
                // A create's 404 is the namespace missing (a list there is just empty): read as "taken" it would try
                // every subnet of the range, then say the range is full.
                throw new InvalidOperationException(
                    $"namespace {ns} for the subnet leases does not exist: create it (the manifests do), or give --lease-namespace", e);
            }

            return true;
        }, false, cancellationToken, HttpStatusCode.Conflict);

    public Task<SubnetLease?> GetLeaseAsync(string ns, string name, CancellationToken cancellationToken) =>
        Call(async ct => Map(await _client.CoordinationV1.ReadNamespacedLeaseAsync(name, ns, cancellationToken: ct).ConfigureAwait(false)), (SubnetLease?)null,
            cancellationToken);

    public Task<IReadOnlyList<SubnetLease>> ListLeasesAsync(string ns, CancellationToken cancellationToken) =>
        Call<IReadOnlyList<SubnetLease>>(async ct =>
        {
            var list = await _client.CoordinationV1.ListNamespacedLeaseAsync(ns, labelSelector: $"{ClusterNames.LeaseLabel}=true", cancellationToken: ct)
                .ConfigureAwait(false);
            return [.. list.Items.Select(l => Map(l)!)];
        }, [], cancellationToken);

    public Task<bool> DeleteLeaseAsync(string ns, string name, string resourceVersion, CancellationToken cancellationToken) =>
        Call(async ct =>
        {
            var options = new V1DeleteOptions { Preconditions = new V1Preconditions { ResourceVersion = resourceVersion } };
            await _client.CoordinationV1.DeleteNamespacedLeaseAsync(name, ns, options, cancellationToken: ct).ConfigureAwait(false);
            return true;
        }, false, cancellationToken, HttpStatusCode.Conflict);

    public Task<bool> RenewLeaseAsync(string ns, SubnetLease lease, DateTimeOffset now, CancellationToken cancellationToken) =>
        Call(async ct =>
        {
            var current = await _client.CoordinationV1.ReadNamespacedLeaseAsync(lease.Name, ns, cancellationToken: ct).ConfigureAwait(false);
            if (current.Spec is null || current.Spec.HolderIdentity != lease.Holder)
            {
                return false;
            }

            current.Spec.RenewTime = now.UtcDateTime;
            // Replace at the read resourceVersion: a lease changed meanwhile is a 409, never overwritten.
            await _client.CoordinationV1.ReplaceNamespacedLeaseAsync(current, lease.Name, ns, cancellationToken: ct).ConfigureAwait(false);
            return true;
        }, false, cancellationToken, HttpStatusCode.Conflict);

    public Task CreateEventAsync(ClusterNode node, NodeEventNote note, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var e = new Corev1Event
        {
            Metadata = new V1ObjectMeta { GenerateName = node.Name + ".", NamespaceProperty = ClusterNames.EventNamespace },
            InvolvedObject = new V1ObjectReference { ApiVersion = "v1", Kind = "Node", Name = node.Name, Uid = node.Uid },
            Reason = note.Reason,
            Message = note.Message,
            Type = note.Warning ? "Warning" : "Normal",
            Source = new V1EventSource { Component = "cocoon-net", Host = node.Name },
            ReportingComponent = "cocoon-net",
            ReportingInstance = node.Name,
            FirstTimestamp = now,
            LastTimestamp = now,
            Count = 1,
        };
        return Call(ct => _client.CoreV1.CreateNamespacedEventAsync(e, ClusterNames.EventNamespace, cancellationToken: ct), cancellationToken);
    }

    private async Task Call(Func<CancellationToken, Task> call, CancellationToken cancellationToken) =>
        await _retry.ExecuteAsync(async ct => await call(ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);

    /// <summary>A call whose 404 (and the listed statuses) is an answer: <paramref name="otherwise"/>.</summary>
    private async Task<T> Call<T>(Func<CancellationToken, Task<T>> call, T otherwise, CancellationToken cancellationToken, params HttpStatusCode[] answers)
    {
        try
        {
            return await _retry.ExecuteAsync(async ct => await call(ct).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch (HttpOperationException e) when (ApiRetry.Status(e) is { } status && (status == HttpStatusCode.NotFound || answers.Contains(status)))
        {
            return otherwise;
        }
    }

    private static V1Lease ToLease(string ns, SubnetLease lease) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = lease.Name,
            NamespaceProperty = ns,
            Labels = new Dictionary<string, string> { [ClusterNames.LeaseLabel] = "true" },
        },
        Spec = new V1LeaseSpec
        {
            HolderIdentity = lease.Holder,
            AcquireTime = lease.AcquireTime?.UtcDateTime,
            RenewTime = lease.RenewTime?.UtcDateTime,
        },
    };

    private static SubnetLease? Map(V1Lease? lease) => lease is null
        ? null
        : new SubnetLease(
            lease.Metadata.Name,
            lease.Spec?.HolderIdentity,
            lease.Spec?.AcquireTime is { } acquired ? new DateTimeOffset(DateTime.SpecifyKind(acquired, DateTimeKind.Utc)) : null,
            lease.Spec?.RenewTime is { } renewed ? new DateTimeOffset(DateTime.SpecifyKind(renewed, DateTimeKind.Utc)) : null,
            lease.Metadata.ResourceVersion);

    private static ClusterNode Map(V1Node node) => new(
        node.Metadata.Name,
        node.Metadata.Uid ?? "",
        node.Metadata.Annotations is { } a ? new Dictionary<string, string>(a, StringComparer.Ordinal) : new Dictionary<string, string>(StringComparer.Ordinal),
        [.. (node.Status?.Addresses ?? []).Where(a => a.Type is "InternalIP" or "ExternalIP")
            .Select(a => IPAddress.TryParse(a.Address, out var ip) ? ip : null).OfType<IPAddress>()]);

    private static string Rfc3339(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
