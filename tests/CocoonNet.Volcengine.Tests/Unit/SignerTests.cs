using System.Text;
using System.Text.Json;
using CocoonNet.Providers.Volcengine.Api;

namespace CocoonNet.Volcengine.Tests.Unit;

/// <summary>The signer reproduces every vector of volcengine-sign-vectors.json, intermediate strings included.</summary>
public sealed class SignerTests
{
    private const string AccessKey = "AKLTYWViMTVmZGYzM2E0NDI5Mzk2MDZjNjFmMjc2MjRjMzg";
    private const string SecretKey = "WkRZeE1EQmxPVGhsWWpWak5HVmtNbUUxTXpZeU9UVXlOMlE1TmpZeVlqTQ==";

    public static TheoryData<string> Vectors()
    {
        var data = new TheoryData<string>();
        foreach (var vector in Load().RootElement.EnumerateArray())
        {
            data.Add(vector.GetProperty("name").GetString()!);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Signature_matches_the_vector(string name)
    {
        var vector = Load().RootElement.EnumerateArray().Single(v => v.GetProperty("name").GetString() == name);
        var body = Encoding.UTF8.GetBytes(vector.GetProperty("body").GetString()!);
        var bodyHash = RequestSigner.Sha256Hex(body);
        var expectedAuthorization = vector.GetProperty("authorization").GetString()!;
        var signedNames = expectedAuthorization.Split("SignedHeaders=")[1].Split(',')[0].Split(';');
        var values = new Dictionary<string, string?>
        {
            ["content-type"] = "application/x-www-form-urlencoded; charset=utf-8",
            ["host"] = vector.GetProperty("host").GetString(),
            ["x-content-sha256"] = bodyHash,
            ["x-date"] = vector.GetProperty("x_date").GetString(),
            ["x-security-token"] = vector.GetProperty("token").ValueKind == JsonValueKind.String ? vector.GetProperty("token").GetString() : null,
        };
        // Header names as a client would write them: the signer must lower-case and sort them itself.
        var headers = signedNames.Reverse().Select(n => new KeyValuePair<string, string>(n.ToUpperInvariant(), values[n]!)).ToList();
        var query = vector.GetProperty("query").EnumerateArray()
            .Select(p => new KeyValuePair<string, string>(p[0].GetString()!, p[1].GetString()!));

        var signature = RequestSigner.Sign(
            new SignatureInput(vector.GetProperty("method").GetString()!, "/", QueryEncoding.Canonical(query), headers, bodyHash,
                vector.GetProperty("x_date").GetString()!, vector.GetProperty("region").GetString()!, vector.GetProperty("service").GetString()!),
            AccessKey, SecretKey);

        Assert.Equal(vector.GetProperty("canonical_request").GetString(), signature.CanonicalRequest);
        Assert.Equal(vector.GetProperty("string_to_sign").GetString(), signature.StringToSign);
        Assert.Equal(expectedAuthorization, signature.Authorization);
        if (vector.TryGetProperty("signing_key_hex", out var key))
        {
            Assert.Equal(key.GetString(), Convert.ToHexStringLower(RequestSigner.SigningKey(SecretKey, "20240619",
                vector.GetProperty("region").GetString()!, vector.GetProperty("service").GetString()!)));
        }

        if (vector.TryGetProperty("x_content_sha256", out var hash))
        {
            Assert.Equal(hash.GetString(), bodyHash);
        }
    }

    [Fact]
    public void The_vectors_file_has_all_six_vectors() => Assert.Equal(6, Load().RootElement.GetArrayLength());

    [Fact]
    public void A_default_port_is_not_part_of_the_signed_host()
    {
        SignatureInput Input(string host) => new("GET", "/", "Action=A", [new("Host", host), new("X-Date", "20240619T071306Z")],
            RequestSigner.EmptySha256, "20240619T071306Z", "cn-beijing", "vpc");
        Assert.Equal(RequestSigner.Sign(Input("open.volcengineapi.com"), "ak", "sk").Authorization,
            RequestSigner.Sign(Input("open.volcengineapi.com:443"), "ak", "sk").Authorization);
        Assert.NotEqual(RequestSigner.Sign(Input("203.0.113.1"), "ak", "sk").Authorization,
            RequestSigner.Sign(Input("203.0.113.1:8081"), "ak", "sk").Authorization);
    }

    private static JsonDocument Load() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "TestData", "volcengine-sign-vectors.json")));
}
