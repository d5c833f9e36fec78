namespace CocoonNet.Emulators.Gce;

/// <summary>
/// The Compute API v1 subset: instances.get / updateNetworkInterface, subnetworks.get / patch, zone and
/// region operations get / wait. Every request needs a bearer token the metadata server issued; injected
/// latency and 503/429 bursts apply before anything else.
/// </summary>
internal static class ComputeEndpoints
{
    public static void Map(WebApplication app)
    {
        var api = app.MapGroup("/compute/v1");
        api.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var state = http.RequestServices.GetRequiredService<GceState>();
            state.LogRequest($"{http.Request.Method} {http.Request.Path}{http.Request.QueryString}");
            if (state.Latency > 0)
            {
                await Task.Delay(state.Latency, http.RequestAborted).ConfigureAwait(false);
            }

            var authorization = http.Request.Headers.Authorization.ToString();
            if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal) || !state.IsValidToken(authorization["Bearer ".Length..]))
            {
                return ApiResult.Error(401, "authError", "Request is missing required authentication credential.").ToResult();
            }

            if (state.TakeRequestFault() is { } status)
            {
                if (status == 429)
                {
                    http.Response.Headers.RetryAfter = "0";
                    return ApiResult.Error(429, "rateLimitExceeded", "Rate Limit Exceeded (emulated).").ToResult();
                }

                return ApiResult.Error(status, "backendError", "The service is currently unavailable (emulated).").ToResult();
            }

            if (state.TakeBusyFault(http.Request.Path) is { } busy)
            {
                return busy.ToResult();
            }

            return await next(context).ConfigureAwait(false);
        });

        api.MapGet("/projects/{project}/zones/{zone}/instances/{instance}",
            (GceState s, string project, string zone, string instance) => s.GetInstance(project, zone, instance).ToResult());
        api.MapMethods("/projects/{project}/zones/{zone}/instances/{instance}/updateNetworkInterface", ["PATCH"],
            (GceState s, string project, string zone, string instance, string? networkInterface, string? requestId, NetworkInterfaceBody body) =>
                s.UpdateNetworkInterface(project, zone, instance, networkInterface, requestId, body).ToResult());
        api.MapGet("/projects/{project}/regions/{region}/subnetworks/{subnetwork}",
            (GceState s, string project, string region, string subnetwork) => s.GetSubnetwork(project, region, subnetwork).ToResult());
        api.MapMethods("/projects/{project}/regions/{region}/subnetworks/{subnetwork}", ["PATCH"],
            (GceState s, string project, string region, string subnetwork, string? requestId, SubnetworkBody body) =>
                s.PatchSubnetwork(project, region, subnetwork, requestId, body).ToResult());

        foreach (var kind in new[] { "zones", "regions" })
        {
            api.MapGet($"/projects/{{project}}/{kind}/{{scope}}/operations/{{operation}}",
                (GceState s, string project, string scope, string operation) => s.GetOperation(project, $"{kind}/{scope}", operation).ToResult());
            api.MapPost($"/projects/{{project}}/{kind}/{{scope}}/operations/{{operation}}/wait",
                async (GceState s, TimeProvider time, string project, string scope, string operation, CancellationToken ct) =>
                {
                    // Like GCE: hold the call until DONE or a time limit, whichever is first (see WaitHoldMilliseconds).
                    var started = time.GetTimestamp();
                    var hold = TimeSpan.FromMilliseconds(s.Options.WaitHoldMilliseconds);
                    while (!s.IsDone(operation) && time.GetElapsedTime(started) < hold)
                    {
                        await Task.Delay(20, ct).ConfigureAwait(false);
                    }

                    return s.GetOperation(project, $"{kind}/{scope}", operation).ToResult();
                });
        }
    }
}
