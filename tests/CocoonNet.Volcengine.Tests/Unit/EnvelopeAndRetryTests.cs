using CocoonNet.Providers.Volcengine.Api;
using Microsoft.Extensions.Logging.Abstractions;

namespace CocoonNet.Volcengine.Tests.Unit;

public sealed class EnvelopeAndRetryTests
{
    [Fact]
    public void A_result_is_read_from_the_envelope()
    {
        var body = """{"ResponseMetadata":{"RequestId":"r1","Action":"CreateNetworkInterface"},"Result":{"NetworkInterfaceId":"eni-1","AsyncTaskId":"t"}}""";
        var result = ResponseEnvelope.Parse("CreateNetworkInterface", null, 200, body, VpcJsonContext.Default.CreateNetworkInterfaceResult);
        Assert.Equal("eni-1", result.NetworkInterfaceId);
    }

    [Theory]
    [InlineData(200)]
    [InlineData(400)]
    [InlineData(429)]
    public void The_error_code_decides_whatever_the_http_status(int status)
    {
        var body = """{"ResponseMetadata":{"RequestId":"r2","Error":{"CodeN":100027,"Code":"AccountFlowLimitExceeded","Message":"slow down"}}}""";
        var error = Assert.Throws<VolcengineApiException>(() =>
            ResponseEnvelope.Parse("DescribeSubnets", "vpc-1", status, body, VpcJsonContext.Default.DescribeSubnetsResult));
        Assert.Equal("AccountFlowLimitExceeded", error.Code);
        Assert.True(ApiErrorClassifier.IsRetryable(error.Code, error.HttpStatus));
        Assert.StartsWith("DescribeSubnets vpc-1: AccountFlowLimitExceeded: slow down (request r2)", error.Message);
    }

    [Fact]
    public void A_quota_error_fails_at_once_with_the_clouds_message_and_a_hint()
    {
        var body = """{"ResponseMetadata":{"RequestId":"r3","Error":{"Code":"QuotaExceeded.Eni","Message":"eni quota is 5000"}},"Result":null}""";
        var error = Assert.Throws<VolcengineApiException>(() =>
            ResponseEnvelope.Parse("CreateNetworkInterface", "n1-eni-1", 400, body, VpcJsonContext.Default.CreateNetworkInterfaceResult));
        Assert.Null(new OpenApiRetry(TimeProvider.System, NullLogger<OpenApiRetry>.Instance).DelayAfter(1, error));
        Assert.Contains("eni quota is 5000", error.Message);
        Assert.Contains("ENI quota is used up", error.Message);
    }

    [Fact]
    public void A_body_without_envelope_is_judged_by_its_status()
    {
        var error = Assert.Throws<VolcengineApiException>(() =>
            ResponseEnvelope.Parse("DescribeSubnets", null, 503, "<html>busy</html>", VpcJsonContext.Default.DescribeSubnetsResult));
        Assert.True(ApiErrorClassifier.IsRetryable(error.Code, error.HttpStatus));
        var forbidden = Assert.Throws<VolcengineApiException>(() =>
            ResponseEnvelope.Parse("DescribeSubnets", null, 403, "nope", VpcJsonContext.Default.DescribeSubnetsResult));
        Assert.False(ApiErrorClassifier.IsRetryable(forbidden.Code, forbidden.HttpStatus));
    }

    [Fact]
    public void A_success_without_result_is_an_empty_result() =>
        Assert.NotNull(ResponseEnvelope.Parse("DetachNetworkInterface", "eni-1", 200, """{"ResponseMetadata":{"RequestId":"r"}}""", VpcJsonContext.Default.EmptyResult));

    [Theory]
    [InlineData("FlowLimitExceeded", 400, true)]
    [InlineData("AccountFlowLimitExceeded", 200, true)]
    [InlineData("InternalError", 500, true)]
    [InlineData("ServiceUnavailable", 503, true)]
    [InlineData("Transport", 0, true)]
    [InlineData("SomethingNew", 502, true)]
    [InlineData("LimitExceeded.EnisPerInstance", 500, false)]
    [InlineData("QuotaExceeded.Eni", 400, false)]
    [InlineData("InvalidParameter", 400, false)]
    [InlineData("SignatureDoesNotMatch", 401, false)]
    [InlineData("InsufficientIpInSubnet", 400, false)]
    public void Retry_classification(string code, int status, bool retryable) => Assert.Equal(retryable, ApiErrorClassifier.IsRetryable(code, status));

    [Fact]
    public void Backoff_grows_exponentially_with_jitter_and_is_capped()
    {
        var policy = new OpenApiRetry(TimeProvider.System, NullLogger<OpenApiRetry>.Instance, new Random(7)) { BaseDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromSeconds(1), MaxAttempts = 6 };
        var throttled = Throttled();
        for (var attempt = 1; attempt < 6; attempt++)
        {
            var cap = Math.Min(1000, 100 * Math.Pow(2, attempt - 1));
            var delay = policy.DelayAfter(attempt, throttled)!.Value.TotalMilliseconds;
            Assert.InRange(delay, cap / 2, cap);
        }

        Assert.Null(policy.DelayAfter(6, throttled));
    }

    [Fact]
    public void Not_found_codes_are_recognised()
    {
        Assert.True(Error("InvalidEniId.NotFound").IsNotFound);
        Assert.True(Error("InvalidSubnet.NotFound").IsNotFound);
        Assert.False(Error("InvalidEni.InvalidStatus").IsNotFound);
    }

    private static VolcengineApiException Throttled() => Error("FlowLimitExceeded");

    private static VolcengineApiException Error(string code) =>
        Assert.Throws<VolcengineApiException>(() => ResponseEnvelope.Parse("A", null, 400,
            """{"ResponseMetadata":{"Error":{"Code":"CODE","Message":"m"}}}""".Replace("CODE", code, StringComparison.Ordinal), VpcJsonContext.Default.EmptyResult));
}
