using System.Text.Json;
using System.Text.Json.Serialization;

namespace CocoonNet.Providers.Gke.Compute;

// The subset of Compute API v1 resources the plugin reads and writes. Unknown fields are ignored on read;
// nulls are left out on write, so a PATCH body carries only what it means to change.

internal sealed record AliasIpRange(string IpCidrRange, string? SubnetworkRangeName = null)
{
    /// <summary><c>name:cidr</c>, or the bare CIDR for an alias from the primary range.</summary>
    public override string ToString() => string.IsNullOrEmpty(SubnetworkRangeName) ? IpCidrRange : $"{SubnetworkRangeName}:{IpCidrRange}";
}

internal sealed record NetworkInterface(
    string Name,
    string? Network = null,
    string? Subnetwork = null,
    string? NetworkIP = null,
    IReadOnlyList<AliasIpRange>? AliasIpRanges = null,
    string? Fingerprint = null);

internal sealed record Instance(string Name, string? Zone = null, IReadOnlyList<NetworkInterface>? NetworkInterfaces = null);

/// <summary>
/// A secondary range as read. Members the plugin does not model (e.g. <c>reservedInternalRange</c>, see
/// compute-api.json SubnetworkSecondaryRange) are kept in <see cref="Unknown"/> and written back unchanged:
/// subnetworks.patch replaces the whole list, so a range rebuilt from name and CIDR alone would lose them.
/// </summary>
internal sealed record SecondaryRange(string RangeName, string IpCidrRange)
{
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unknown { get; init; }

    public override string ToString() => $"{RangeName}={IpCidrRange}";
}

internal sealed record Subnetwork(
    string Name,
    string? Region = null,
    string? IpCidrRange = null,
    IReadOnlyList<SecondaryRange>? SecondaryIpRanges = null,
    string? Fingerprint = null);

/// <summary>Body of <c>subnetworks.patch</c>: the fingerprint read and the complete new range list.</summary>
internal sealed record SubnetworkPatch(string Fingerprint, IReadOnlyList<SecondaryRange> SecondaryIpRanges);

/// <summary>Body of <c>instances.updateNetworkInterface</c>: the complete new alias list.</summary>
internal sealed record NetworkInterfaceUpdate(string Name, string Fingerprint, IReadOnlyList<AliasIpRange> AliasIpRanges);

internal sealed record OperationErrorItem(string? Code = null, string? Location = null, string? Message = null)
{
    public override string ToString() => string.IsNullOrEmpty(Code) ? Message ?? "" : $"{Code}: {Message}";
}

internal sealed record OperationError(IReadOnlyList<OperationErrorItem>? Errors = null);

internal sealed record Operation(
    string Name,
    string Status,
    string? OperationType = null,
    string? Zone = null,
    string? Region = null,
    string? TargetLink = null,
    OperationError? Error = null,
    int? HttpErrorStatusCode = null,
    string? HttpErrorMessage = null)
{
    public const string Done = "DONE";

    public bool IsDone => Status == Done;

    public IReadOnlyList<OperationErrorItem> Errors => Error?.Errors ?? [];
}

/// <summary>Google's JSON error envelope: <c>{"error":{"code":..,"message":..,"errors":[{"reason":..}]}}</c>.</summary>
internal sealed record GoogleErrorEnvelope(GoogleError? Error);

internal sealed record GoogleError(int Code, string? Message, string? Status, IReadOnlyList<GoogleErrorDetail>? Errors, IReadOnlyList<GoogleErrorInfo>? Details);

/// <summary>One <c>error.details[]</c> entry; only <c>google.rpc.ErrorInfo</c> entries carry a reason.</summary>
internal sealed record GoogleErrorInfo(
    [property: System.Text.Json.Serialization.JsonPropertyName("@type")] string? Type,
    string? Reason);

internal sealed record GoogleErrorDetail(string? Reason, string? Message, string? Domain);

internal static class ComputeJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
