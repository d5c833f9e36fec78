using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace CocoonNet.Emulators.Volcengine;

/// <summary>
/// Checks a request's HMAC-SHA256 signature the way the Volcengine gateway does: it recomputes the canonical
/// request from what arrived on the wire (raw query, received headers), so a client that signs one string
/// and sends another fails here too. Written independently of the plugin's signer on purpose.
/// </summary>
internal static partial class SignatureVerifier
{
    /// <summary>
    /// Null when the signature is good, else the gateway's error code and message. The key is looked up: a long-term key has an empty token and no expiry; an STS key (instance role) must
    /// not be expired and must come with its session token in <c>X-Security-Token</c>, signed. Source for the header and
    /// its signing: volc-sdk-golang <c>base/sign.go</c> (<c>Sign4</c> sets X-Security-Token before the canonical request,
    /// which signs every <c>X-</c> header). The sources name no gateway error code for an expired STS key or a missing,
    /// unsigned or wrong session token (the OpenAPI common error codes list <c>InvalidAccessKey</c>, 401, for "the Access
    /// Key included in the request is not valid"), so all of these answer that generic authentication error.
    /// </summary>
    public static (string Code, string Message)? Verify(HttpRequest request, Func<string, StsKey?> keys, string expectedService, DateTimeOffset now)
    {
        var authorization = request.Headers.Authorization.ToString();
        var match = AuthorizationPattern().Match(authorization);
        if (!match.Success)
        {
            return ("MissingAuthenticationToken", "the Authorization header is missing or malformed");
        }

        var (ak, date, region, service, signedHeaders, signature) = (match.Groups[1].Value, match.Groups[2].Value, match.Groups[3].Value,
            match.Groups[4].Value, match.Groups[5].Value, match.Groups[6].Value);
        if (keys(ak) is not { } key)
        {
            return ("InvalidAccessKey", $"access key {ak} does not exist");
        }

        if (now >= key.Expires)
        {
            return ("InvalidAccessKey", $"access key {ak} expired at {key.Expires:u}");
        }

        if (service != expectedService)
        {
            return ("SignatureDoesNotMatch", $"credential scope names service {service}, the action belongs to {expectedService}");
        }

        var xDate = request.Headers["X-Date"].ToString();
        if (!DateTimeOffset.TryParseExact(xDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var signedAt)
            || Math.Abs((now - signedAt).TotalMinutes) > 15 || !xDate.StartsWith(date, StringComparison.Ordinal))
        {
            return ("InvalidTimestamp", $"X-Date {xDate} is missing or outside the 15 minute window");
        }

        var names = signedHeaders.Split(';');
        if (!names.Contains("host") || !names.Contains("x-date"))
        {
            return ("SignatureDoesNotMatch", "host and x-date must be signed");
        }

        if (key.Token.Length > 0 && (!names.Contains("x-security-token") || request.Headers["X-Security-Token"].ToString() != key.Token))
        {
            return ("InvalidAccessKey", $"access key {ak} is an STS key: its session token must be sent in X-Security-Token and signed");
        }

        var canonicalHeaders = new StringBuilder();
        foreach (var name in names)
        {
            var value = name == "host" ? request.Host.Value ?? "" : request.Headers[name].ToString();
            canonicalHeaders.Append(name).Append(':').Append(value.Trim()).Append('\n');
        }

        var bodyHash = Hex(SHA256.HashData([]));
        if (request.Headers["X-Content-Sha256"].ToString() is { Length: > 0 } claimed && claimed != bodyHash)
        {
            return ("SignatureDoesNotMatch", "X-Content-Sha256 does not match the body");
        }

        var canonicalRequest = string.Join('\n', request.Method, request.Path.Value is { Length: > 0 } p ? p : "/",
            CanonicalQuery(request.QueryString.Value ?? ""), canonicalHeaders.ToString(), signedHeaders, bodyHash);
        var scope = $"{date}/{region}/{service}/request";
        var stringToSign = $"HMAC-SHA256\n{xDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";
        var signingKey = Hmac(Encoding.UTF8.GetBytes(key.Secret), date);
        signingKey = Hmac(signingKey, region);
        signingKey = Hmac(signingKey, service);
        signingKey = Hmac(signingKey, "request");
        var expected = Hex(Hmac(signingKey, stringToSign));
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature))
            ? null
            : ("SignatureDoesNotMatch", "the request signature we calculated does not match the signature you provided");
    }

    /// <summary>The raw query decoded and re-encoded canonically (sorted, RFC 3986, upper-case hex).</summary>
    public static string CanonicalQuery(string rawQuery) =>
        string.Join('&', RawPairs(rawQuery)
            .OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => $"{Escape(p.Key)}={Escape(p.Value)}"));

    public static IEnumerable<KeyValuePair<string, string>> RawPairs(string rawQuery) =>
        rawQuery.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => new KeyValuePair<string, string>(Uri.UnescapeDataString(p[0]), p.Length > 1 ? Uri.UnescapeDataString(p[1]) : ""));

    private static string Escape(string value)
    {
        var builder = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~')
            {
                builder.Append(c);
            }
            else
            {
                builder.Append(CultureInfo.InvariantCulture, $"%{b:X2}");
            }
        }

        return builder.ToString();
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string Hex(byte[] data) => Convert.ToHexStringLower(data);

    [GeneratedRegex(@"^HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/request, SignedHeaders=([a-z0-9;\-]+), Signature=([0-9a-f]{64})$")]
    private static partial Regex AuthorizationPattern();
}
