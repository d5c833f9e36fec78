using System.Collections.Concurrent;

namespace CocoonNet.Emulators.Volcengine;

/// <summary>
/// Metadata session tokens. Source: volcengine/volcengine-go-sdk <c>volcengine/credentials/ecs_role_provider.go</c>:
/// <c>GET /latest/api/token</c> with <c>X-volc-ecs-metadata-token-ttl-seconds</c>, then
/// <c>X-volc-ecs-metadata-token</c> on every metadata request; ECS instances have an <c>HttpTokens</c> metadata
/// option (<c>DescribeInstances</c> → <c>MetadataOptions.HttpTokens</c>). The SDK treats any non-200 as a failure;
/// the exact refusal status of a plain GET on a token-required instance is not in the sources: 401 is used.
/// </summary>
internal sealed class MetadataTokens(EmulatorOptions options)
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _issued = new();

    /// <summary>
    /// "" (default): no token endpoint (404), plain GETs served, as before tokens existed. "optional": tokens issued,
    /// plain GETs still served. "required": tokens issued, a metadata GET without a valid one is refused.
    /// </summary>
    private string Mode => options.MetadataTokens.Trim().ToLowerInvariant();

    public IResult Issue(HttpContext context)
    {
        if (Mode is not ("optional" or "required"))
        {
            return Results.NotFound();
        }

        // The SDK always sends a TTL; without one there is nothing to issue.
        if (!int.TryParse(context.Request.Headers["X-volc-ecs-metadata-token-ttl-seconds"], out var ttl) || ttl <= 0)
        {
            return Results.BadRequest();
        }

        var token = Convert.ToBase64String(Guid.NewGuid().ToByteArray());
        _issued[token] = DateTimeOffset.UtcNow.AddSeconds(ttl);
        return Results.Text(token);
    }

    /// <summary>True when this metadata request may be answered.</summary>
    public bool Allows(HttpContext context)
    {
        if (Mode != "required")
        {
            return true;
        }

        var token = context.Request.Headers["X-volc-ecs-metadata-token"].ToString();
        return _issued.TryGetValue(token, out var expires) && expires > DateTimeOffset.UtcNow;
    }
}
