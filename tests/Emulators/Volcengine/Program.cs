using System.Text.Json;
using CocoonNet.Emulators.Volcengine;

// The Volcengine emulator: metadata service under /volcstack/latest/, VPC and ECS OpenAPI at / (GET, signed),
// and test controls under /_emulator/. Options are kebab-case switches named after EmulatorOptions' properties,
// e.g. --node-netns cnn1 --eni-attach-ms 2000 --throttle-rate 0.3.
var builder = WebApplication.CreateBuilder(args);
builder.Configuration.AddCommandLine(args, typeof(EmulatorOptions).GetProperties()
    .ToDictionary(p => "--" + string.Concat(p.Name.Select((c, i) => i > 0 && char.IsUpper(c) ? $"-{char.ToLowerInvariant(c)}" : $"{char.ToLowerInvariant(c)}")), p => p.Name));
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var options = builder.Configuration.Get<EmulatorOptions>() ?? new EmulatorOptions();
builder.Services.AddSingleton(options);
builder.Services.AddSingleton<NodeLinks>();
builder.Services.AddSingleton<VpcCloud>();
builder.Services.AddSingleton(new Faults(options));
builder.Services.AddSingleton<MetadataTokens>();
builder.Services.AddSingleton<InstanceRoles>();

var app = builder.Build();
var json = new JsonSerializerOptions { PropertyNamingPolicy = null };

app.MapGet("/", async (HttpContext context, VpcCloud cloud, Faults faults, InstanceRoles roles) =>
{
    var parameters = new ApiParameters(SignatureVerifier.RawPairs(context.Request.QueryString.Value ?? "").ToList());
    var action = parameters.Get("Action") ?? "";
    var service = action == "DescribeInstanceTypes" ? "ecs" : "vpc";
    IResult Envelope(object? result, string? code = null, string? message = null, int status = 200)
    {
        var metadata = new Dictionary<string, object?>
        {
            ["RequestId"] = Guid.NewGuid().ToString(),
            ["Action"] = action,
            ["Version"] = "2020-04-01",
            ["Service"] = service,
            ["Region"] = options.Region,
        };
        if (code is not null)
        {
            metadata["Error"] = new { Code = code, Message = message };
        }

        var body = code is null ? new Dictionary<string, object?> { ["ResponseMetadata"] = metadata, ["Result"] = result } : new() { ["ResponseMetadata"] = metadata };
        return Results.Text(JsonSerializer.Serialize(body, json), "application/json", statusCode: status);
    }

    if (faults.LatencyMs > 0)
    {
        await Task.Delay(faults.LatencyMs, context.RequestAborted);
    }

    // The long-term key pair of the options, and the STS keys the instance role handed out (InstanceRoles).
    StsKey? Key(string ak) => ak == options.AccessKey ? new StsKey(options.SecretKey, "", DateTimeOffset.MaxValue) : roles.Find(ak);
    if (SignatureVerifier.Verify(context.Request, Key, service, DateTimeOffset.UtcNow) is { } rejected)
    {
        return Envelope(null, rejected.Code, rejected.Message, rejected.Code == "InvalidTimestamp" ? 400 : 401);
    }

    if (parameters.Get("Version") != "2020-04-01")
    {
        return Envelope(null, "InvalidActionOrVersion", $"version {parameters.Get("Version")} of {action} is not supported", 404);
    }

    if (faults.ThrottleRate > 0 && faults.Next() < faults.ThrottleRate)
    {
        // The real gateway has been seen answering throttling with 200, 400 and 429 alike.
        return Envelope(null, faults.Pick(0, 1) == 0 ? "FlowLimitExceeded" : "AccountFlowLimitExceeded", "request was throttled", faults.Pick(200, 400, 429));
    }

    if (faults.ErrorRate > 0 && faults.Next() < faults.ErrorRate)
    {
        return faults.Pick(0, 1) == 0
            ? Envelope(null, "InternalError", "internal error", 500)
            : Results.Text("<html>503 Service Unavailable</html>", "text/html", statusCode: 503);
    }

    object result;
    try
    {
        result = cloud.Execute(action, parameters);
    }
    catch (ApiError e)
    {
        return Envelope(null, e.Code, e.Message, e.Status);
    }

    if (faults.HoldAfter is { } hold && hold == $"{action}:{cloud.CallCount(action)}")
    {
        // Applied but never answered: the client is killed while it waits, as a crash mid-call would.
        faults.HoldAfter = null;
        faults.Held = hold;
        await Task.Delay(Timeout.Infinite, context.RequestAborted);
    }

    if (faults.FailAfter is { } fail && fail == $"{action}:{cloud.CallCount(action)}")
    {
        // Applied, but the answer is lost: the client sees a 5xx and retries a call that already took effect.
        faults.FailAfter = null;
        return Envelope(null, "InternalError", "internal error", 500);
    }

    return Envelope(result);
});

app.MapGet("/latest/api/token", (HttpContext context, MetadataTokens tokens) => tokens.Issue(context));
app.MapGet("/volcstack/latest/{**path}", (string path, HttpContext context, VpcCloud cloud, MetadataTokens tokens, InstanceRoles roles) =>
    !tokens.Allows(context) ? Results.StatusCode(StatusCodes.Status401Unauthorized)
    : roles.Serve(path) is { } iam ? iam
    : cloud.Metadata(path.TrimEnd('/')) is { } value ? Results.Text(value) : Results.NotFound());
app.MapGet("/_emulator/sts", (InstanceRoles roles) => Results.Text(JsonSerializer.Serialize(new { roles.Issued }, json), "application/json"));

app.MapGet("/_emulator/inventory", (VpcCloud cloud) => Results.Text(JsonSerializer.Serialize(cloud.Inventory(), json), "application/json"));
app.MapGet("/_emulator/calls", (VpcCloud cloud) => Results.Text(JsonSerializer.Serialize(cloud.Calls(), json), "application/json"));
app.MapGet("/_emulator/rejections", (VpcCloud cloud) => Results.Text(JsonSerializer.Serialize(cloud.Rejections(), json), "application/json"));
// See VpcCloud.DetachBehindTheNodeAsync for the source. A body, not 204: busybox wget waits for one.
app.MapPost("/_emulator/detach/{id}", async (string id, VpcCloud cloud) =>
    await cloud.DetachBehindTheNodeAsync(id) ? Results.Text("{}", "application/json") : Results.NotFound());
app.MapGet("/_emulator/faults", (Faults faults) => Results.Text(JsonSerializer.Serialize(
    new { faults.LatencyMs, faults.ThrottleRate, faults.ErrorRate, faults.HoldAfter, faults.Held }, json), "application/json"));
app.MapPost("/_emulator/faults", (FaultSettings settings, Faults faults) =>
{
    faults.LatencyMs = settings.LatencyMs ?? faults.LatencyMs;
    faults.ThrottleRate = settings.ThrottleRate ?? faults.ThrottleRate;
    faults.ErrorRate = settings.ErrorRate ?? faults.ErrorRate;
    if (settings.HoldAfter is not null)
    {
        faults.HoldAfter = settings.HoldAfter.Length == 0 ? null : settings.HoldAfter;
        faults.Held = null;
    }

    // A body, not 204: busybox wget waits for one until its timeout.
    return Results.Text("{}", "application/json");
});

await app.RunAsync();
