using CocoonNet.Abstractions;

namespace CocoonNet.Providers.Volcengine.Provisioning;

/// <summary>
/// The node's cloud resources as pool.json keeps them, mutable and thread-safe while ENI workers run
/// concurrently. The subnet id (<see cref="CloudResources.SubnetIdKey"/>) and the ENI ids
/// (<see cref="CloudResources.EniIdsKey"/>) land at pool.json's top level under upstream's names; the other
/// values land in its <c>cloud</c> section: whether cocoon-net created the subnet, the ClientTokens of
/// creates that may be in flight, and per ENI its MAC (to find its NIC) and its secondary IPs.
/// </summary>
internal sealed class ProvisionRecord
{
    public const string SubnetCreatedKey = "subnetCreated";
    public const string SubnetTokenKey = "subnetClientToken";
    public const string PendingEnisKey = "pendingEniClientTokens";
    public const string InstanceKey = "instanceID";

    private readonly Lock _lock = new();
    private Task _lastSave = Task.CompletedTask;
    private readonly List<string> _eniIds;
    private readonly Dictionary<string, string> _extra;
    private readonly CloudResources _lists;
    private string? _subnetId;

    public ProvisionRecord(CloudResources resources)
    {
        _subnetId = resources.Value(CloudResources.SubnetIdKey);
        _eniIds = [.. resources.List(CloudResources.EniIdsKey)];
        _extra = resources.Values.Where(v => v.Key != CloudResources.SubnetIdKey).ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal);
        // Lists this plugin does not write itself are carried over untouched.
        _lists = CloudResources.None with { Lists = resources.Lists };
    }

    public static string MacKey(string eniId) => $"eni.{eniId}.mac";

    public static string IpsKey(string eniId) => $"eni.{eniId}.ips";

    public string? SubnetId
    {
        get { lock (_lock) { return _subnetId; } }
    }

    public IReadOnlyList<string> EniIds
    {
        get { lock (_lock) { return [.. _eniIds]; } }
    }

    public bool SubnetCreated => Get(SubnetCreatedKey) == "true";

    public string? Get(string key)
    {
        lock (_lock)
        {
            return _extra.GetValueOrDefault(key);
        }
    }

    public void Set(string key, string? value)
    {
        lock (_lock)
        {
            if (value is null)
            {
                _extra.Remove(key);
            }
            else
            {
                _extra[key] = value;
            }
        }
    }

    public void SetSubnet(string subnetId, bool created)
    {
        lock (_lock)
        {
            _subnetId = subnetId;
            if (created)
            {
                _extra[SubnetCreatedKey] = "true";
            }
            else
            {
                _extra.Remove(SubnetCreatedKey);
            }

            _extra.Remove(SubnetTokenKey);
        }
    }

    /// <summary>Pending ENI creates: slot name to ClientToken, e.g. <c>node-eni-3</c> → token.</summary>
    public IReadOnlyDictionary<string, string> PendingEnis
    {
        get { lock (_lock) { return PendingEnisUnlocked(); } }
    }

    public void SetPendingEnis(IReadOnlyDictionary<string, string> pending) =>
        Set(PendingEnisKey, pending.Count == 0 ? null : string.Join(',', pending.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}")));

    public void RemovePendingEni(string slot)
    {
        lock (_lock)
        {
            var pending = new Dictionary<string, string>(PendingEnisUnlocked());
            pending.Remove(slot);
            if (pending.Count == 0)
            {
                _extra.Remove(PendingEnisKey);
            }
            else
            {
                _extra[PendingEnisKey] = string.Join(',', pending.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
            }
        }
    }

    /// <summary>Records an ENI as the node's (idempotent); MAC and IPs when known.</summary>
    public void SetEni(string eniId, string? mac, IReadOnlyList<string>? ips)
    {
        lock (_lock)
        {
            if (!_eniIds.Contains(eniId))
            {
                _eniIds.Add(eniId);
            }

            if (mac is { Length: > 0 })
            {
                _extra[MacKey(eniId)] = mac.ToLowerInvariant();
            }

            if (ips is not null)
            {
                _extra[IpsKey(eniId)] = string.Join(',', ips);
            }
        }
    }

    public void RemoveEni(string eniId)
    {
        lock (_lock)
        {
            _eniIds.Remove(eniId);
            _extra.Remove(MacKey(eniId));
            _extra.Remove(IpsKey(eniId));
        }
    }

    /// <summary>Keeps only <paramref name="keep"/> (in that order) as the node's ENIs.</summary>
    public void RetainEnis(IReadOnlyList<string> keep)
    {
        lock (_lock)
        {
            foreach (var gone in _eniIds.Except(keep).ToList())
            {
                _extra.Remove(MacKey(gone));
                _extra.Remove(IpsKey(gone));
            }

            _eniIds.Clear();
            _eniIds.AddRange(keep);
        }
    }

    public CloudResources Snapshot()
    {
        lock (_lock)
        {
            var resources = _lists.WithList(CloudResources.EniIdsKey, _eniIds).WithValue(CloudResources.SubnetIdKey, _subnetId);
            foreach (var (key, value) in _extra)
            {
                resources = resources.WithValue(key, value);
            }

            return resources;
        }
    }

    /// <summary>
    /// Writes the current record to pool.json. Concurrent workers' saves are chained, so they never overlap
    /// and the last one written holds everything recorded before it.
    /// </summary>
    public Task SaveAsync(IProvisionCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _lastSave = SaveAfterAsync(_lastSave, checkpoint, cancellationToken);
            return _lastSave;
        }
    }

    private async Task SaveAfterAsync(Task previous, IProvisionCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        try
        {
            await previous.ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // That save's caller got the error; this save writes the newer record regardless.
        }

        await checkpoint.SaveAsync(Snapshot(), cancellationToken).ConfigureAwait(false);
    }

    private Dictionary<string, string> PendingEnisUnlocked()
    {
        var value = _extra.GetValueOrDefault(PendingEnisKey);
        return string.IsNullOrEmpty(value)
            ? new Dictionary<string, string>()
            : value.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
    }
}
