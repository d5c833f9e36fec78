using System.Text.Json;
using System.Text.Json.Serialization;

namespace CocoonNet.Emulators.Gce;

// Wire shapes of the Compute API v1 resources the emulator serves (camelCase JSON).

internal sealed record AliasIpRange(string IpCidrRange, string? SubnetworkRangeName = null);

/// <summary>
/// A secondary range. Members beyond name and CIDR are kept as sent and served back as stored: a real range
/// carries more, e.g. <c>reservedInternalRange</c> (compute-api.json, SubnetworkSecondaryRange), and a
/// subnetworks.patch replaces the list with what it is given, so a writer that rebuilds the list from two
/// fields drops them. Tests seed such a range through the control endpoint.
/// </summary>
internal sealed record SecondaryRange(string RangeName, string IpCidrRange)
{
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }
}

internal sealed record NetworkInterfaceBody(string? Name, string? Fingerprint, List<AliasIpRange>? AliasIpRanges);

internal sealed record SubnetworkBody(string? Fingerprint, List<SecondaryRange>? SecondaryIpRanges);

internal sealed record OperationErrorItem(string Code, string Message);

internal sealed record OperationErrorList(IReadOnlyList<OperationErrorItem> Errors);

internal sealed record OperationView(
    string Kind,
    string Id,
    string Name,
    string OperationType,
    string Status,
    string TargetLink,
    string SelfLink,
    int Progress,
    string? Zone,
    string? Region,
    OperationErrorList? Error,
    int? HttpErrorStatusCode,
    string? HttpErrorMessage);

/// <summary>Fault switches; each count is consumed by the requests it hits.</summary>
internal sealed record FaultSettings
{
    /// <summary>Next N Compute requests answer 503.</summary>
    public int Unavailable { get; init; }

    /// <summary>Next N Compute requests answer 429 (with Retry-After: 0).</summary>
    public int RateLimited { get; init; }

    /// <summary>Next N mutations are applied but answered with 503, as if the answer got lost.</summary>
    public int LostResponses { get; init; }

    /// <summary>Next N mutations find the resource changed by someone else first (412).</summary>
    public int Conflicts { get; init; }

    /// <summary>Next N mutations produce an operation that ends DONE with an error, changing nothing.</summary>
    public int OperationErrors { get; init; }

    // Busy answers GCE gives for a while and terraform-provider-google retries on every request
    // (google/transport/error_retry_predicates.go, defaultErrorRetryPredicates; each cited at its switch).

    /// <summary>
    /// Next N Compute requests answer 400 <c>resourceNotReady</c> for the subnetwork, as GCE does shortly after a
    /// subnetwork change (error_retry_predicates.go isSubnetworkUnreadyError: "GCE Subnetworks are considered
    /// unready for a brief period when certain operations are performed on them").
    /// </summary>
    public int SubnetworkNotReady { get; init; }

    /// <summary>
    /// Next N Compute requests answer 403 with ErrorInfo reason <c>CONCURRENT_OPERATIONS_QUOTA_EXCEEDED</c>
    /// (error_retry_predicates.go is403ConcurrentOperationsQuotaError: "GCE returns a 403 with reason
    /// CONCURRENT_OPERATIONS_QUOTA_EXCEEDED when too many operations are in flight").
    /// </summary>
    public int ConcurrentOperationsQuota { get; init; }

    /// <summary>
    /// Next N Compute requests answer 403 "Quota exceeded for quota metric '…' and limit '… per minute'"
    /// (error_retry_predicates.go is403QuotaExceededPerMinuteError: "GCE ... incorrectly return a 403 rather than a 429 on rate limits").
    /// </summary>
    public int QuotaPerMinute { get; init; }

    /// <summary>
    /// Next N Compute requests answer 409 <c>operationInProgress</c>
    /// (error_retry_predicates.go is409OperationInProgressError, in the global defaults).
    /// </summary>
    public int OperationInProgress { get; init; }

    /// <summary>Compute answer delay, when set.</summary>
    public int? LatencyMilliseconds { get; init; }
}

internal static class Json
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };
}
