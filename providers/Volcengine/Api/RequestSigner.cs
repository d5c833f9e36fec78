using System.Security.Cryptography;
using System.Text;

namespace CocoonNet.Providers.Volcengine.Api;

/// <summary>What one signature covers.</summary>
/// <param name="Method">HTTP method, upper case.</param>
/// <param name="Path">URI path; the OpenAPI always uses <c>/</c>.</param>
/// <param name="CanonicalQuery">The query exactly as sent (<see cref="QueryEncoding.Canonical"/>).</param>
/// <param name="Headers">Every signed header, name and value as sent; <c>host</c> and <c>x-date</c> at least.</param>
/// <param name="BodySha256">Lower-case hex SHA-256 of the body bytes sent.</param>
/// <param name="XDate">The request time, <c>yyyyMMddTHHmmssZ</c>.</param>
/// <param name="Region">Region of the credential scope, e.g. <c>cn-beijing</c>.</param>
/// <param name="Service">Service of the credential scope: <c>vpc</c>, <c>ecs</c>.</param>
internal sealed record SignatureInput(
    string Method,
    string Path,
    string CanonicalQuery,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    string BodySha256,
    string XDate,
    string Region,
    string Service);

/// <summary>A computed signature and the intermediate strings (tests compare them with the vectors).</summary>
internal sealed record Signature(string CanonicalRequest, string StringToSign, string Authorization);

/// <summary>
/// Volcengine's "HMAC-SHA256" request signature (V4-like): the scope ends in <c>request</c> and the key
/// derivation starts from the raw secret, with no prefix.
/// </summary>
internal static class RequestSigner
{
    public const string Algorithm = "HMAC-SHA256";
    public const string DateFormat = "yyyyMMdd'T'HHmmss'Z'";
    public static readonly string EmptySha256 = Sha256Hex([]);

    public static Signature Sign(SignatureInput input, string accessKeyId, string secretAccessKey)
    {
        var headers = input.Headers
            .Select(h => (Name: h.Key.ToLowerInvariant(), Value: CanonicalValue(h.Key, h.Value)))
            .OrderBy(h => h.Name, StringComparer.Ordinal)
            .ToList();
        var signedHeaders = string.Join(';', headers.Select(h => h.Name));
        var canonicalRequest = string.Join('\n',
            input.Method,
            input.Path,
            input.CanonicalQuery,
            string.Concat(headers.Select(h => $"{h.Name}:{h.Value}\n")),
            signedHeaders,
            input.BodySha256);

        var shortDate = input.XDate[..8];
        var scope = $"{shortDate}/{input.Region}/{input.Service}/request";
        var stringToSign = string.Join('\n', Algorithm, input.XDate, scope, Sha256Hex(Encoding.UTF8.GetBytes(canonicalRequest)));
        var key = SigningKey(secretAccessKey, shortDate, input.Region, input.Service);
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
        return new Signature(
            canonicalRequest,
            stringToSign,
            $"{Algorithm} Credential={accessKeyId}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}");
    }

    public static byte[] SigningKey(string secretAccessKey, string shortDate, string region, string service)
    {
        var key = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secretAccessKey), Encoding.UTF8.GetBytes(shortDate));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(region));
        key = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(service));
        return HMACSHA256.HashData(key, "request"u8);
    }

    public static string Sha256Hex(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    private static string CanonicalValue(string name, string value)
    {
        value = value.Trim();
        // The SDKs strip a default port from the signed host; HttpClient never sends one either.
        if (name.Equals("host", StringComparison.OrdinalIgnoreCase))
        {
            if (value.EndsWith(":80", StringComparison.Ordinal))
            {
                value = value[..^3];
            }
            else if (value.EndsWith(":443", StringComparison.Ordinal))
            {
                value = value[..^4];
            }
        }

        return value;
    }
}
