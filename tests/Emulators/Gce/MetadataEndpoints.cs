
namespace CocoonNet.Emulators.Gce;

/// <summary>
/// The metadata server: every answer carries <c>Metadata-Flavor: Google</c>; every request under
/// <c>/computeMetadata/</c> must carry it too (else 403), and a forwarded request is refused, as on GCE.
/// </summary>
internal static class MetadataEndpoints
{
    public static void Map(WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments("/compute", StringComparison.Ordinal)
                && !context.Request.Path.StartsWithSegments("/emulator", StringComparison.Ordinal))
            {
                context.Response.Headers["Metadata-Flavor"] = "Google";
                if (context.Request.Path.StartsWithSegments("/computeMetadata", StringComparison.Ordinal)
                    && (context.Request.Headers["Metadata-Flavor"] != "Google" || context.Request.Headers.ContainsKey("X-Forwarded-For")))
                {
                    context.Response.StatusCode = 403;
                    await context.Response.WriteAsync("Missing required header \"Metadata-Flavor\": \"Google\"\n").ConfigureAwait(false);
                    return;
                }
            }

            await next(context).ConfigureAwait(false);
        });

        app.MapGet("/", () => Results.Text("computeMetadata/\n"));
        var v1 = app.MapGroup("/computeMetadata/v1");
        v1.MapGet("/project/project-id", (GceState s) => s.Options.Project);
        v1.MapGet("/project/numeric-project-id", (GceState s) => s.Options.ProjectNumber);
        v1.MapGet("/instance/name", (GceState s) => s.Options.Instance);
        v1.MapGet("/instance/hostname", (GceState s) => $"{s.Options.Instance}.{s.Options.Zone}.c.{s.Options.Project}.internal");
        v1.MapGet("/instance/id", (GceState s) => "7000000000000000001");
        v1.MapGet("/instance/zone", (GceState s) => $"projects/{s.Options.ProjectNumber}/zones/{s.Options.Zone}");
        v1.MapGet("/instance/network-interfaces/0/ip", () => "10.128.0.2");
        v1.MapGet("/instance/service-accounts/default/email", (GceState s) => $"{s.Options.ProjectNumber}-compute@developer.gserviceaccount.com");
        v1.MapGet("/instance/service-accounts/default/scopes", (GceState s) =>
            string.Join('\n', s.Options.Scopes.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)) + "\n");
        v1.MapGet("/instance/service-accounts/default/token", (GceState s) => Results.Json(new Dictionary<string, object>
        {
            ["access_token"] = s.IssueToken(),
            ["expires_in"] = 3599,
            ["token_type"] = "Bearer",
        }));
        v1.MapGet("/universe/universe_domain", () => "googleapis.com");

        // OAuth token endpoint for service-account key files whose token_uri points here: a signed JWT in,
        // a bearer token out. The JWT's signature is not checked; its scope is, as Google's would be used.
        app.MapPost("/token", async (HttpRequest request, GceState s) =>
        {
            var form = await request.ReadFormAsync().ConfigureAwait(false);
            var assertion = form["assertion"].ToString().Split('.');
            if (form["grant_type"] != "urn:ietf:params:oauth:grant-type:jwt-bearer" || assertion.Length != 3)
            {
                return Results.Json(new { error = "invalid_grant", error_description = "expected a JWT bearer assertion" }, statusCode: 400);
            }

            var payload = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(
                assertion[1].Replace('-', '+').Replace('_', '/').PadRight((assertion[1].Length + 3) / 4 * 4, '=')));
            using var claims = System.Text.Json.JsonDocument.Parse(payload);
            var scope = claims.RootElement.TryGetProperty("scope", out var value) ? value.GetString() ?? "" : "";
            s.RecordKeyFileScope(scope);
            return Results.Json(new Dictionary<string, object>
            {
                ["access_token"] = s.IssueToken(),
                ["expires_in"] = 3599,
                ["token_type"] = "Bearer",
            });
        });
    }
}
