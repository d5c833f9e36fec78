namespace CocoonNet.Providers.Volcengine.Api;

/// <summary>What to do about an error code: retry it, or fail at once with a hint for the operator.</summary>
internal static class ApiErrorClassifier
{
    /// <summary>Throttling and transient server-side failures: worth another attempt after a backoff.</summary>
    public static bool IsRetryable(string code, int httpStatus) => code switch
    {
        "FlowLimitExceeded" or "AccountFlowLimitExceeded" or "Throttling" or "RequestLimitExceeded" => true,
        "InternalError" or "InternalServiceError" or "InternalServiceTimeout" or "ServiceUnavailable" or "ServiceUnavailableTemporary" => true,
        VolcengineApiException.TransportCode => true,
        // The VPC is busy for a while after a subnet change: terraform-provider-volcengine
        // (volcengine/vpc/subnet/service_volcengine_subnet.go) waits for it to be Available again, and volcengine/cello
        // (pkg/provider/volcengine/cellohelper/volc_api.go) names this code on ENI create/attach/detach/delete.
        "InvalidVpc.InvalidStatus" => true,
        // A code we do not know with a 5xx status is the server's trouble, not ours.
        _ => httpStatus >= 500 && !IsPermanent(code),
    };

    public static bool IsThrottling(string code) => code is "FlowLimitExceeded" or "AccountFlowLimitExceeded" or "Throttling" or "RequestLimitExceeded";

    private static bool IsPermanent(string code) =>
        code.StartsWith("QuotaExceeded", StringComparison.Ordinal)
        || code.StartsWith("LimitExceeded", StringComparison.Ordinal)
        || code.StartsWith("Invalid", StringComparison.Ordinal)
        || code.StartsWith("Missing", StringComparison.Ordinal);

    public static string? Hint(string code) => code switch
    {
        "SignatureDoesNotMatch" => "check VOLCENGINE_SECRET_KEY (or the secret in ~/.volcengine/config.json) and the system clock",
        "InvalidAccessKey" => "the access key is unknown or expired; check VOLCENGINE_ACCESS_KEY, or the role attached to the instance",
        "InvalidSecretToken" => "the STS session token is invalid or expired; refresh VOLCENGINE_SESSION_TOKEN",
        "InvalidTimestamp" => "the system clock is off by more than 15 minutes; sync it (chrony/ntp)",
        "AccessDenied" or "LackPolicy" or "Forbidden" => "grant the IAM actions listed in docs/volcengine.md to these credentials",
        "LimitExceeded.EnisPerInstance" => "the instance type allows fewer ENIs; use a larger instance type or detach ENIs cocoon-net does not own",
        "LimitExceeded.PrivateIpsPerEni" => "the instance type allows fewer IPs per ENI; use a larger instance type",
        "QuotaExceeded.Eni" => "the account's ENI quota is used up; delete unused ENIs or ask Volcengine support to raise the quota",
        "QuotaExceeded.SecurityGroupIp" or "QuotaExceeded.EniSecurityGroup" =>
            "the security group is full; use another with --security-group-id",
        "InsufficientIpInSubnet" => "the VM subnet has no free addresses; use a larger --subnet or a smaller --pool-size",
        "InvalidSubnet.Conflict" or "InvalidCidrBlock.Conflict" or "InvalidSubnet.CidrConflict" =>
            "--subnet overlaps an existing subnet of the VPC; choose a free CIDR inside the VPC's range",
        "InvalidVpc.InvalidStatus" => "the VPC stayed busy (a subnet of it was just changed); wait a minute and re-run (the run resumes)",
        "IdempotentParameterMismatch" => "a retried request changed; run 'cocoon-net teardown' and init again if this repeats",
        "FlowLimitExceeded" or "AccountFlowLimitExceeded" => "the API kept throttling; wait a minute and re-run (the run resumes)",
        _ when code.StartsWith("QuotaExceeded", StringComparison.Ordinal) => "a Volcengine quota is exhausted; raise it in the console",
        _ when code.StartsWith("InvalidParameter", StringComparison.Ordinal) || code.EndsWith(".Malformed", StringComparison.Ordinal) =>
            "a parameter was rejected; check --subnet and the node name",
        _ => null,
    };
}
