using System.Net;

namespace CocoonNet.Providers.Gke.Compute;

/// <summary>A Compute API call answered with an error status.</summary>
internal sealed class ComputeApiException(
    string call, HttpStatusCode status, string? reason, string message, TimeSpan? retryAfter, string? errorInfoReason = null)
    : GkeException($"{call}: HTTP {(int)status}{(reason is null ? "" : $" {reason}")}: {message}")
{
    public string Call { get; } = call;

    public HttpStatusCode StatusCode { get; } = status;

    /// <summary>The first <c>errors[].reason</c>, e.g. <c>conditionNotMet</c>, <c>rateLimitExceeded</c>.</summary>
    public string? Reason { get; } = reason;

    public string ApiMessage { get; } = message;

    /// <summary>The reason of a <c>google.rpc.ErrorInfo</c> in <c>error.details[]</c>, e.g. <c>CONCURRENT_OPERATIONS_QUOTA_EXCEEDED</c>.</summary>
    public string? ErrorInfoReason { get; } = errorInfoReason;

    public TimeSpan? RetryAfter { get; } = retryAfter;

    /// <summary>HTTP 412: the fingerprint sent is stale; re-read and retry.</summary>
    public bool IsFingerprintConflict => StatusCode == HttpStatusCode.PreconditionFailed;
}

/// <summary>A Compute API call that got no answer in time (the request may still have been applied).</summary>
internal sealed class ComputeTimeoutException(string call, TimeSpan timeout, Exception? inner)
    : GkeException($"{call}: no answer within {timeout.TotalSeconds:0} s", inner!);

/// <summary>An operation that finished (DONE) with errors.</summary>
internal sealed class OperationFailedException(string what, Operation operation)
    : GkeException($"{what}: operation {operation.Name} failed: {string.Join("; ", operation.Errors)}")
{
    public Operation Operation { get; } = operation;
}
