using System.Globalization;
using System.Security.Cryptography;

namespace CocoonNet.Emulators.Gce;

/// <summary>
/// The emulated project: one subnetwork, its instances, operations and issued tokens, with GCE's rules —
/// fingerprints that change on every update (a stale one gets 412), requestIds that make a retried
/// mutation a no-op, operations that run PENDING → RUNNING → DONE, and validation of ranges and aliases.
/// Every method takes the one lock: requests are few, clarity wins.
/// </summary>
internal sealed class GceState
{
    private const string ApiRoot = "https://www.googleapis.com/compute/v1/";

    private readonly Lock _lock = new();
    private readonly EmulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly SubnetworkState _subnetwork;
    private readonly Dictionary<string, InstanceState> _instances = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OperationState> _operations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _requestIds = new(StringComparer.Ordinal);
    private readonly HashSet<string> _tokens = new(StringComparer.Ordinal);
    private readonly List<string> _requests = [];
    private FaultSettings _faults = new();
    private int _mutations;
    private int _operationCounter;
    private string? _keyFileScope;

    public GceState(EmulatorOptions options, TimeProvider time)
    {
        _options = options;
        _time = time;
        _faults = new FaultSettings { LatencyMilliseconds = options.LatencyMilliseconds };
        _subnetwork = new SubnetworkState(options.Subnetwork, options.SubnetworkRange,
            options.SecondaryRanges.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(r => r.Split('=', 2))
                .Select(p => new SecondaryRange(p[0], p[1]))
                .ToList());
        var names = new[] { options.Instance }
            .Concat(options.OtherInstances.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        var index = 1;
        foreach (var name in names)
        {
            var aliases = options.GkePodAliases ? new List<AliasIpRange> { new($"10.8.{index}.0/24", "gke-pods") } : [];
            _instances[name] = new InstanceState(name, $"10.128.0.{index + 1}", aliases);
            index++;
        }
    }

    public EmulatorOptions Options => _options;

    // ---- tokens -------------------------------------------------------------------------------------

    public string IssueToken()
    {
        var token = "emu-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
        lock (_lock)
        {
            _tokens.Add(token);
        }

        return token;
    }

    /// <summary>The scope a service-account key file asked for, last one wins (shown in the dump).</summary>
    public void RecordKeyFileScope(string scope)
    {
        lock (_lock)
        {
            _keyFileScope = scope;
        }
    }

    public bool IsValidToken(string? token)
    {
        lock (_lock)
        {
            return token is not null && _tokens.Contains(token);
        }
    }

    // ---- faults and request log ---------------------------------------------------------------------

    public void SetFaults(FaultSettings faults)
    {
        lock (_lock)
        {
            _faults = faults with { LatencyMilliseconds = faults.LatencyMilliseconds ?? _faults.LatencyMilliseconds };
        }
    }

    public int Latency
    {
        get
        {
            lock (_lock)
            {
                return _faults.LatencyMilliseconds ?? 0;
            }
        }
    }

    public void LogRequest(string line)
    {
        lock (_lock)
        {
            _requests.Add(line);
        }
    }

    public IReadOnlyList<string> Requests()
    {
        lock (_lock)
        {
            return [.. _requests];
        }
    }

    /// <summary>Consumes one injected 503 or 429, if any is pending: the status to answer with.</summary>
    public int? TakeRequestFault()
    {
        lock (_lock)
        {
            if (_faults.Unavailable > 0)
            {
                _faults = _faults with { Unavailable = _faults.Unavailable - 1 };
                return 503;
            }

            if (_faults.RateLimited > 0)
            {
                _faults = _faults with { RateLimited = _faults.RateLimited - 1 };
                return 429;
            }

            return null;
        }
    }

    /// <summary>Consumes one injected busy answer (see <see cref="FaultSettings"/>), if any is pending.</summary>
    public ApiResult? TakeBusyFault(string path)
    {
        lock (_lock)
        {
            if (_faults.SubnetworkNotReady > 0)
            {
                _faults = _faults with { SubnetworkNotReady = _faults.SubnetworkNotReady - 1 };
                return ApiResult.Error(400, "resourceNotReady",
                    $"The resource 'projects/{_options.Project}/regions/{_options.Region}/subnetworks/{_options.Subnetwork}' is not ready");
            }

            if (_faults.ConcurrentOperationsQuota > 0)
            {
                _faults = _faults with { ConcurrentOperationsQuota = _faults.ConcurrentOperationsQuota - 1 };
                return ApiResult.ErrorWithInfo(403, "CONCURRENT_OPERATIONS_QUOTA_EXCEEDED",
                    $"Exceeded limit 'MAX_CONCURRENT_OPERATIONS' on resource '{path}'.");
            }

            if (_faults.QuotaPerMinute > 0)
            {
                _faults = _faults with { QuotaPerMinute = _faults.QuotaPerMinute - 1 };
                // The source matches the message only; errors[].reason is one the plugin would not retry on its own.
                return ApiResult.Error(403, "quotaExceeded",
                    "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute' of service 'compute.googleapis.com'.");
            }

            if (_faults.OperationInProgress > 0)
            {
                _faults = _faults with { OperationInProgress = _faults.OperationInProgress - 1 };
                return ApiResult.Error(409, "operationInProgress", "Operation failed because another operation was already in progress.");
            }

            return null;
        }
    }

    // ---- reads --------------------------------------------------------------------------------------

    public ApiResult GetInstance(string project, string zone, string name)
    {
        lock (_lock)
        {
            return CheckZone(project, zone) ?? (_instances.TryGetValue(name, out var instance)
                ? ApiResult.Ok(InstanceView(instance))
                : ApiResult.Error(404, "notFound", $"The resource 'projects/{project}/zones/{zone}/instances/{name}' was not found"));
        }
    }

    public ApiResult GetSubnetwork(string project, string region, string name)
    {
        lock (_lock)
        {
            return CheckRegion(project, region) ?? (name == _subnetwork.Name
                ? ApiResult.Ok(SubnetworkView())
                : ApiResult.Error(404, "notFound", $"The resource 'projects/{project}/regions/{region}/subnetworks/{name}' was not found"));
        }
    }

    public ApiResult GetOperation(string project, string scope, string name)
    {
        lock (_lock)
        {
            return project == _options.Project && _operations.TryGetValue(name, out var operation) && operation.Scope == scope
                ? ApiResult.Ok(OperationView(operation))
                : ApiResult.Error(404, "notFound", $"The resource 'projects/{project}/{scope}/operations/{name}' was not found");
        }
    }

    public bool IsDone(string name)
    {
        lock (_lock)
        {
            return !_operations.TryGetValue(name, out var operation) || Status(operation) == "DONE";
        }
    }

    // ---- mutations ----------------------------------------------------------------------------------

    public ApiResult UpdateNetworkInterface(string project, string zone, string name, string? nicName, string? requestId, NetworkInterfaceBody body)
    {
        lock (_lock)
        {
            if (CheckZone(project, zone) is { } wrongScope)
            {
                return wrongScope;
            }

            if (!_instances.TryGetValue(name, out var instance))
            {
                return ApiResult.Error(404, "notFound", $"The resource 'projects/{project}/zones/{zone}/instances/{name}' was not found");
            }

            var target = $"{ApiRoot}projects/{project}/zones/{zone}/instances/{name}";
            return Mutate(requestId, "updateNetworkInterface", target, $"zones/{zone}", () =>
            {
                if (nicName != "nic0" || (body.Name is not null && body.Name != "nic0"))
                {
                    return ApiResult.Error(400, "invalid", $"Invalid value for field 'networkInterface': '{nicName}'. Network interface not found.");
                }

                if (TakeConflict())
                {
                    instance.NicFingerprint = NewFingerprint();
                }

                if (string.IsNullOrEmpty(body.Fingerprint))
                {
                    return ApiResult.Error(400, "required", "Required field 'fingerprint' not specified");
                }

                if (body.Fingerprint != instance.NicFingerprint)
                {
                    return ApiResult.Error(412, "conditionNotMet",
                        "Supplied fingerprint does not match current metadata fingerprint.");
                }

                return ValidateAliases(instance, body.AliasIpRanges ?? []);
            }, () =>
            {
                instance.Aliases = [.. body.AliasIpRanges ?? []];
                instance.NicFingerprint = NewFingerprint();
            });
        }
    }

    public ApiResult PatchSubnetwork(string project, string region, string name, string? requestId, SubnetworkBody body)
    {
        lock (_lock)
        {
            if (CheckRegion(project, region) is { } wrongScope)
            {
                return wrongScope;
            }

            if (name != _subnetwork.Name)
            {
                return ApiResult.Error(404, "notFound", $"The resource 'projects/{project}/regions/{region}/subnetworks/{name}' was not found");
            }

            var target = $"{ApiRoot}projects/{project}/regions/{region}/subnetworks/{name}";
            return Mutate(requestId, "patch", target, $"regions/{region}", () =>
            {
                if (TakeConflict())
                {
                    // Someone else (another node, an operator) added a range in between.
                    var n = _subnetwork.Ranges.Count(r => r.RangeName.StartsWith("concurrent-", StringComparison.Ordinal)) + 1;
                    _subnetwork.Ranges.Add(new SecondaryRange($"concurrent-{n}", $"10.200.{n}.0/24"));
                    _subnetwork.Fingerprint = NewFingerprint();
                }

                if (string.IsNullOrEmpty(body.Fingerprint))
                {
                    return ApiResult.Error(400, "required", "Required field 'fingerprint' not specified");
                }

                if (body.Fingerprint != _subnetwork.Fingerprint)
                {
                    return ApiResult.Error(412, "conditionNotMet", "Supplied fingerprint does not match current metadata fingerprint.");
                }

                return body.SecondaryIpRanges is { } ranges ? ValidateRanges(ranges) : null;
            }, () =>
            {
                if (body.SecondaryIpRanges is { } ranges)
                {
                    _subnetwork.Ranges = [.. ranges];
                }

                _subnetwork.Fingerprint = NewFingerprint();
            });
        }
    }

    // ---- control ------------------------------------------------------------------------------------

    /// <summary>Sets an instance's aliases directly (test set-up): no operation, no mutation counted.</summary>
    public bool SeedAliases(string name, List<AliasIpRange> aliases)
    {
        lock (_lock)
        {
            if (!_instances.TryGetValue(name, out var instance))
            {
                return false;
            }

            instance.Aliases = aliases;
            instance.NicFingerprint = NewFingerprint();
            return true;
        }
    }

    public void SeedRanges(List<SecondaryRange> ranges)
    {
        lock (_lock)
        {
            _subnetwork.Ranges = ranges;
            _subnetwork.Fingerprint = NewFingerprint();
        }
    }

    /// <summary>What tests compare before and after: ranges, aliases, counters. Fingerprints are left out.</summary>
    public object Dump()
    {
        lock (_lock)
        {
            return new
            {
                subnetwork = new { _subnetwork.Name, _subnetwork.IpCidrRange, secondaryIpRanges = _subnetwork.Ranges.ToList() },
                instances = _instances.Values.OrderBy(i => i.Name, StringComparer.Ordinal)
                    .Select(i => new { i.Name, aliasIpRanges = i.Aliases.ToList() }).ToList(),
                mutations = _mutations,
                operations = _operations.Count,
                failedOperations = _operations.Values.Count(o => o.Error is not null),
                tokensIssued = _tokens.Count,
                keyFileScope = _keyFileScope,
                computeRequests = _requests.Count,
                faults = _faults,
            };
        }
    }

    // ---- internals ----------------------------------------------------------------------------------

    /// <summary>
    /// GCE's mutation sequence: a repeated requestId returns the first operation and changes nothing; then
    /// checks (412/400); then an injected operation error, or the change itself.
    /// </summary>
    private ApiResult Mutate(string? requestId, string type, string target, string scope, Func<ApiResult?> check, Action apply)
    {
        if (requestId is not null && _requestIds.TryGetValue(requestId, out var seen))
        {
            return ApiResult.Ok(OperationView(_operations[seen]));
        }

        if (check() is { } rejected)
        {
            return rejected;
        }

        var operation = NewOperation(type, target, scope);
        if (_faults.OperationErrors > 0)
        {
            _faults = _faults with { OperationErrors = _faults.OperationErrors - 1 };
            operation.Error = new OperationErrorList([new OperationErrorItem("QUOTA_EXCEEDED", "Quota 'ALIAS_IP_RANGES' exceeded (emulated failure).")]);
            operation.HttpErrorStatusCode = 403;
            operation.HttpErrorMessage = "FORBIDDEN";
        }
        else
        {
            apply();
            _mutations++;
        }

        if (requestId is not null)
        {
            _requestIds[requestId] = operation.Name;
        }

        if (_faults.LostResponses > 0)
        {
            _faults = _faults with { LostResponses = _faults.LostResponses - 1 };
            return ApiResult.Error(503, "backendError", "The service is currently unavailable (emulated lost answer; the change was applied).");
        }

        return ApiResult.Ok(OperationView(operation));
    }

    private bool TakeConflict()
    {
        if (_faults.Conflicts <= 0)
        {
            return false;
        }

        _faults = _faults with { Conflicts = _faults.Conflicts - 1 };
        return true;
    }

    private ApiResult? ValidateAliases(InstanceState instance, List<AliasIpRange> aliases)
    {
        var parsed = new List<Cidr>();
        foreach (var alias in aliases)
        {
            if (!Cidr.TryParse(alias.IpCidrRange, out var cidr))
            {
                return ApiResult.Error(400, "invalid", $"Invalid value for field 'aliasIpRanges.ipCidrRange': '{alias.IpCidrRange}'.");
            }

            Cidr container;
            if (string.IsNullOrEmpty(alias.SubnetworkRangeName))
            {
                container = Cidr.Parse(_subnetwork.IpCidrRange);
            }
            else if (_subnetwork.Ranges.FirstOrDefault(r => r.RangeName == alias.SubnetworkRangeName) is { } range)
            {
                container = Cidr.Parse(range.IpCidrRange);
            }
            else
            {
                return ApiResult.Error(400, "invalid",
                    $"Invalid value for field 'aliasIpRanges.subnetworkRangeName': '{alias.SubnetworkRangeName}'. Secondary range does not exist in subnetwork.");
            }

            if (!container.Contains(cidr))
            {
                return ApiResult.Error(400, "invalid", $"Alias IP range {alias.IpCidrRange} is outside range {alias.SubnetworkRangeName ?? "primary"} ({container}).");
            }

            if (parsed.Any(p => p.Overlaps(cidr)))
            {
                return ApiResult.Error(400, "invalid", $"Alias IP ranges of nic0 overlap: {alias.IpCidrRange}.");
            }

            var holder = _instances.Values.FirstOrDefault(other => other != instance
                && other.Aliases.Any(a => Cidr.TryParse(a.IpCidrRange, out var theirs) && theirs.Overlaps(cidr)));
            if (holder is not null)
            {
                return ApiResult.Error(400, "alreadyInUse", $"IP range {alias.IpCidrRange} is already in use by instance {holder.Name}.");
            }

            parsed.Add(cidr);
        }

        return null;
    }

    private ApiResult? ValidateRanges(List<SecondaryRange> ranges)
    {
        var primary = Cidr.Parse(_subnetwork.IpCidrRange);
        var seen = new List<(string Name, Cidr Cidr)>();
        foreach (var range in ranges)
        {
            if (!Cidr.TryParse(range.IpCidrRange, out var cidr) || string.IsNullOrEmpty(range.RangeName))
            {
                return ApiResult.Error(400, "invalid", $"Invalid secondary range {range.RangeName}={range.IpCidrRange}.");
            }

            if (seen.Any(s => s.Name == range.RangeName))
            {
                return ApiResult.Error(400, "invalid", $"Duplicate secondary range name {range.RangeName}.");
            }

            if (cidr.Overlaps(primary) || seen.Any(s => s.Cidr.Overlaps(cidr)))
            {
                return ApiResult.Error(400, "invalid", $"Secondary range {range.RangeName}={range.IpCidrRange} overlaps another range of the subnetwork.");
            }

            if (_subnetwork.Ranges.FirstOrDefault(r => r.RangeName == range.RangeName) is { } existing && existing.IpCidrRange != range.IpCidrRange)
            {
                return ApiResult.Error(400, "invalid", $"Secondary range {range.RangeName} cannot be modified ({existing.IpCidrRange} to {range.IpCidrRange}).");
            }

            seen.Add((range.RangeName, cidr));
        }

        var removed = _subnetwork.Ranges.Where(r => ranges.All(n => n.RangeName != r.RangeName)).ToList();
        var added = ranges.Where(n => _subnetwork.Ranges.All(r => r.RangeName != n.RangeName)).ToList();
        if (removed.Count > 0 && added.Count > 0)
        {
            return ApiResult.Error(400, "invalid", "Secondary ranges cannot be added and removed in the same request.");
        }

        var inUse = removed.FirstOrDefault(r => _instances.Values.Any(i => i.Aliases.Any(a => a.SubnetworkRangeName == r.RangeName)));
        return inUse is null
            ? null
            : ApiResult.Error(400, "resourceInUseByAnotherResource", $"Secondary range {inUse.RangeName} is in use by an alias IP range.");
    }

    private OperationState NewOperation(string type, string target, string scope)
    {
        var id = (++_operationCounter).ToString(CultureInfo.InvariantCulture);
        var operation = new OperationState($"operation-{_time.GetUtcNow().ToUnixTimeMilliseconds()}-{id}", id, type, target, scope, _time.GetTimestamp());
        _operations[operation.Name] = operation;
        return operation;
    }

    private string Status(OperationState operation)
    {
        var elapsed = _time.GetElapsedTime(operation.Started).TotalMilliseconds;
        return elapsed >= _options.OperationMilliseconds ? "DONE" : elapsed >= _options.OperationMilliseconds / 3.0 ? "RUNNING" : "PENDING";
    }

    private OperationView OperationView(OperationState operation)
    {
        var status = Status(operation);
        var done = status == "DONE";
        var scopeUrl = $"{ApiRoot}projects/{_options.Project}/{operation.Scope}";
        return new OperationView("compute#operation", operation.Id, operation.Name, operation.Type, status, operation.Target,
            $"{scopeUrl}/operations/{operation.Name}", done ? 100 : 0,
            operation.Scope.StartsWith("zones/", StringComparison.Ordinal) ? scopeUrl : null,
            operation.Scope.StartsWith("regions/", StringComparison.Ordinal) ? scopeUrl : null,
            done ? operation.Error : null,
            done ? operation.HttpErrorStatusCode : null,
            done ? operation.HttpErrorMessage : null);
    }

    private object InstanceView(InstanceState instance) => new
    {
        kind = "compute#instance",
        name = instance.Name,
        zone = $"{ApiRoot}projects/{_options.Project}/zones/{_options.Zone}",
        status = "RUNNING",
        canIpForward = true,
        networkInterfaces = new[]
        {
            new
            {
                name = "nic0",
                network = $"{ApiRoot}projects/{_options.Project}/global/networks/default",
                subnetwork = $"{ApiRoot}projects/{_options.Project}/regions/{_options.Region}/subnetworks/{_subnetwork.Name}",
                networkIP = instance.NetworkIp,
                aliasIpRanges = instance.Aliases.Count > 0 ? instance.Aliases.ToList() : null,
                fingerprint = instance.NicFingerprint,
            },
        },
    };

    private object SubnetworkView() => new
    {
        kind = "compute#subnetwork",
        name = _subnetwork.Name,
        region = $"{ApiRoot}projects/{_options.Project}/regions/{_options.Region}",
        network = $"{ApiRoot}projects/{_options.Project}/global/networks/default",
        ipCidrRange = _subnetwork.IpCidrRange,
        secondaryIpRanges = _subnetwork.Ranges.Count > 0 ? _subnetwork.Ranges.ToList() : null,
        fingerprint = _subnetwork.Fingerprint,
    };

    private ApiResult? CheckZone(string project, string zone) =>
        project == _options.Project && zone == _options.Zone ? null
        : ApiResult.Error(404, "notFound", $"The resource 'projects/{project}/zones/{zone}' was not found");

    private ApiResult? CheckRegion(string project, string region) =>
        project == _options.Project && region == _options.Region ? null
        : ApiResult.Error(404, "notFound", $"The resource 'projects/{project}/regions/{region}' was not found");

    private static string NewFingerprint() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(8));

    private sealed class SubnetworkState(string name, string ipCidrRange, List<SecondaryRange> ranges)
    {
        public string Name { get; } = name;

        public string IpCidrRange { get; } = ipCidrRange;

        public List<SecondaryRange> Ranges { get; set; } = ranges;

        public string Fingerprint { get; set; } = NewFingerprint();
    }

    private sealed class InstanceState(string name, string networkIp, List<AliasIpRange> aliases)
    {
        public string Name { get; } = name;

        public string NetworkIp { get; } = networkIp;

        public List<AliasIpRange> Aliases { get; set; } = aliases;

        public string NicFingerprint { get; set; } = NewFingerprint();
    }

    private sealed class OperationState(string name, string id, string type, string target, string scope, long started)
    {
        public string Name { get; } = name;

        public string Id { get; } = id;

        public string Type { get; } = type;

        public string Target { get; } = target;

        public string Scope { get; } = scope;

        public long Started { get; } = started;

        public OperationErrorList? Error { get; set; }

        public int? HttpErrorStatusCode { get; set; }

        public string? HttpErrorMessage { get; set; }
    }
}

/// <summary>A status and a JSON body (a resource or Google's error envelope).</summary>
internal sealed record ApiResult(int Status, object Body)
{
    public static ApiResult Ok(object body) => new(200, body);

    public static ApiResult Error(int status, string reason, string message) =>
        new(status, new { error = new { code = status, message, errors = new[] { new { message, domain = "global", reason } } } });

    /// <summary>
    /// An error carrying a <c>google.rpc.ErrorInfo</c> in <c>details</c>, where the reason lives for quota errors
    /// (error_retry_predicates.go is403ConcurrentOperationsQuotaError reads it there). errors[].reason is one
    /// the plugin would not retry on its own, so only the ErrorInfo can make the answer retryable.
    /// </summary>
    public static ApiResult ErrorWithInfo(int status, string infoReason, string message) =>
        new(status, new
        {
            error = new
            {
                code = status,
                message,
                errors = new[] { new { message, domain = "global", reason = "quotaExceeded" } },
                details = new object[]
                {
                    new Dictionary<string, object>
                    {
                        ["@type"] = "type.googleapis.com/google.rpc.ErrorInfo",
                        ["reason"] = infoReason,
                        ["domain"] = "compute.googleapis.com",
                    },
                },
            },
        });

    public IResult ToResult() => Results.Json(Body, Json.Options, statusCode: Status);
}
