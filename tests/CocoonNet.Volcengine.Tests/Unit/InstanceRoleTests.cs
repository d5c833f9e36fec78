using System.Globalization;
using System.Net;
using System.Text.Json;
using CocoonNet.Providers.Volcengine;
using CocoonNet.Providers.Volcengine.Api;
using CocoonNet.Providers.Volcengine.Credentials;
using CocoonNet.Providers.Volcengine.Metadata;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CocoonNet.Volcengine.Tests.Unit;

/// <summary>
/// Instance-role credentials as volcengine/volcengine-go-sdk
/// <c>volcengine/credentials/ecs_role_provider.go</c> reads them: precedence env keys &gt; config file &gt; instance role,
/// the role list and credentials documents, token-first metadata reads, and refresh before ExpiredTime.
/// </summary>
public sealed class InstanceRoleTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("cocoon-net-volc-role-").FullName;
    private readonly Dictionary<string, string> _env = [];

    public void Dispose() => Directory.Delete(_home, recursive: true);

    [Fact]
    public void Env_keys_win_over_the_file_and_the_file_over_the_instance_role()
    {
        WriteConfig("""{"access_key_id":"AKf","secret_access_key":"SKf"}""");
        _env["VOLCENGINE_ACCESS_KEY"] = "AKe";
        _env["VOLCENGINE_SECRET_KEY"] = "SKe";
        Assert.Equal("AKe", Assert.IsType<StaticKeys>(Resolver().Resolve()).Credentials.AccessKeyId);

        _env.Clear();
        Assert.Equal("AKf", Assert.IsType<StaticKeys>(Resolver().Resolve()).Credentials.AccessKeyId);

        File.Delete(Path.Combine(_home, ".volcengine", "config.json"));
        var role = Assert.IsType<InstanceRole>(Resolver().Resolve());
        Assert.Null(role.RoleName);
        Assert.Null(role.Region);

        _env["VOLCENGINE_ECS_METADATA"] = "cocoon-node";
        _env["VOLCENGINE_REGION"] = "cn-shanghai";
        var named = Assert.IsType<InstanceRole>(Resolver().Resolve());
        Assert.Equal(("cocoon-node", "cn-shanghai"), (named.RoleName, named.Region));
    }

    [Theory]
    [InlineData("ecsrole")]
    [InlineData(" EcsRole ")]
    public void Profile_mode_ecsrole_chooses_the_instance_role_and_its_role_name_wins_over_the_variable(string mode)
    {
        _env["VOLCENGINE_ECS_METADATA"] = "from-env";
        WriteConfig("""{"current":"node","profiles":{"node":{"mode":""" + JsonSerializer.Serialize(mode) + ""","role-name":"from-profile","region":"cn-guangzhou"}}}""");
        var role = Assert.IsType<InstanceRole>(Resolver().Resolve());
        Assert.Equal(("from-profile", "cn-guangzhou"), (role.RoleName, role.Region));
        Assert.Contains("profile node", role.Origin);

        WriteConfig("""{"current":"node","profiles":{"node":{"mode":""" + JsonSerializer.Serialize(mode) + """}}}""");
        Assert.Equal("from-env", Assert.IsType<InstanceRole>(Resolver().Resolve()).RoleName);
    }

    [Fact]
    public void A_disabled_instance_role_is_an_error_saying_what_to_do()
    {
        // The SDK compares the variable with strings.EqualFold(v, "true").
        _env["VOLCENGINE_ECS_METADATA_DISABLED"] = "TRUE";
        var error = Assert.Throws<CredentialsException>(() => Resolver().Resolve());
        Assert.Contains("VOLCENGINE_ACCESS_KEY", error.Message);
        Assert.Contains("VOLCENGINE_ECS_METADATA_DISABLED=true", error.Message);

        WriteConfig("""{"current":"node","profiles":{"node":{"mode":"ecsrole"}}}""");
        error = Assert.Throws<CredentialsException>(() => Resolver().Resolve());
        Assert.Contains("mode ecsrole", error.Message);
    }

    [Fact]
    public void Role_lists_are_read_as_a_json_array_or_else_one_name_per_line()
    {
        Assert.Equal(["cocoon-node", "other"], InstanceRoleCredentials.ParseRoles("""["cocoon-node","other"]"""));
        Assert.Equal(["cocoon-node", "other"], InstanceRoleCredentials.ParseRoles("cocoon-node\n other \n\n"));
        Assert.Empty(InstanceRoleCredentials.ParseRoles("[]"));
    }

    [Fact]
    public void Credentials_documents_carry_ExpiredTime_or_the_older_Expiration()
    {
        var credentials = InstanceRoleCredentials.Parse("r",
            """{"AccessKeyId":"AKTP1","SecretAccessKey":"sk-secret","SessionToken":"tok-secret","ExpiredTime":"2026-11-29T13:00:00+08:00","CurrentTime":"x"}""");
        Assert.Equal(("AKTP1", "sk-secret", "tok-secret"), (credentials.AccessKeyId, credentials.SecretAccessKey, credentials.SessionToken));
        Assert.Equal(new DateTimeOffset(2026, 11, 29, 5, 0, 0, TimeSpan.Zero), credentials.Expires);
        Assert.Equal("instance role r (expires 2026-11-29T05:00:00Z)", credentials.Description);
        Assert.DoesNotContain("secret", credentials.ToString());

        var older = InstanceRoleCredentials.Parse("r", """{"AccessKeyId":"AK","SecretAccessKey":"SK","SessionToken":"T","Expiration":"2026-11-29T13:00:00Z"}""");
        Assert.Equal(new DateTimeOffset(2026, 11, 29, 13, 0, 0, TimeSpan.Zero), older.Expires);

        Assert.Contains("ExpiredTime", Assert.Throws<CredentialsException>(() =>
            InstanceRoleCredentials.Parse("r", """{"AccessKeyId":"AK","SecretAccessKey":"SK"}""")).Message);
        Assert.Contains("empty credentials", Assert.Throws<CredentialsException>(() =>
            InstanceRoleCredentials.Parse("r", """{"AccessKeyId":"","SecretAccessKey":"SK","ExpiredTime":"2026-11-29T13:00:00Z"}""")).Message);
        Assert.DoesNotContain("sk-secret", Assert.Throws<CredentialsException>(() =>
            InstanceRoleCredentials.Parse("r", """{"AccessKeyId":"AK","SecretAccessKey":"sk-secret" oops""")).Message);
    }

    [Fact]
    public async Task Role_credentials_are_read_through_token_required_metadata()
    {
        var server = new RoleServer(ManualTime());
        using var session = Session(server);

        var credentials = await session.GetAsync(CancellationToken.None);

        Assert.Equal(("AKTP-1", "secret-1", "token-1", "cn-beijing"), (credentials.AccessKeyId, credentials.SecretAccessKey, credentials.SessionToken, credentials.Region));
        Assert.StartsWith("instance role cocoon-node (expires ", session.Description);
        // The role was listed (the SDK's ?type=user query), then read; every read after the token carried it.
        Assert.Contains(server.Requests, r => r.PathAndQuery == "/volcstack/latest/iam/security_credentials?type=user");
        Assert.Contains(server.Requests, r => r.PathAndQuery == "/volcstack/latest/iam/security_credentials/cocoon-node");
        Assert.All(server.Requests.Where(r => r.PathAndQuery != "/latest/api/token"), r => Assert.Equal("imds-token", r.Token));
    }

    [Fact]
    public async Task Keys_are_read_again_before_they_expire_so_none_is_used_expired()
    {
        var time = ManualTime();
        var server = new RoleServer(time) { Lifetime = TimeSpan.FromSeconds(60) };
        using var session = Session(server, time);

        Assert.Equal("AKTP-1", (await session.GetAsync(CancellationToken.None)).AccessKeyId);
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal("AKTP-1", (await session.GetAsync(CancellationToken.None)).AccessKeyId);
        // Keys that live less than twice the SDK's 5 minute window are refreshed at half their lifetime.
        time.Advance(TimeSpan.FromSeconds(2));
        var second = await session.GetAsync(CancellationToken.None);
        Assert.Equal("AKTP-2", second.AccessKeyId);
        Assert.True(second.Expires > time.GetUtcNow());

        // Real STS lifetimes (hours): the SDK's window, 5 minutes before ExpiredTime.
        var now = DateTimeOffset.UnixEpoch;
        var hour = new VolcengineCredentials("AK", "SK", "T", "r", "instance role r") { Expires = now.AddHours(1) };
        Assert.Equal(now.AddMinutes(55), ApiSession.RefreshAt(hour, now));
        Assert.Equal(DateTimeOffset.MaxValue, ApiSession.RefreshAt(hour with { Expires = null }, now));
    }

    [Fact]
    public async Task A_failed_refresh_keeps_keys_that_still_work_until_they_expire()
    {
        var time = ManualTime();
        var server = new RoleServer(time) { Lifetime = TimeSpan.FromSeconds(60) };
        using var session = Session(server, time);
        Assert.Equal("AKTP-1", (await session.GetAsync(CancellationToken.None)).AccessKeyId);

        // Inside the refresh window the metadata server is unreachable: the keys valid for 20 s more stay in use.
        server.Unreachable = true;
        time.Advance(TimeSpan.FromSeconds(40));
        Assert.Equal("AKTP-1", (await session.GetAsync(CancellationToken.None)).AccessKeyId);

        // Expired keys are never used: past ExpiredTime the failure is the caller's.
        time.Advance(TimeSpan.FromSeconds(21));
        await Assert.ThrowsAsync<CredentialsException>(() => session.GetAsync(CancellationToken.None));

        server.Unreachable = false;
        Assert.Equal("AKTP-2", (await session.GetAsync(CancellationToken.None)).AccessKeyId);
    }

    [Fact]
    public async Task No_role_or_unreachable_metadata_is_one_clear_line()
    {
        using var noRole = Session(new RoleServer(ManualTime()) { Role = null });
        var error = await Assert.ThrowsAsync<CredentialsException>(() => noRole.GetAsync(CancellationToken.None));
        Assert.Contains("no IAM role: attach a role to the instance", error.Message);
        Assert.Contains("VOLCENGINE_ACCESS_KEY", error.Message);

        _env["VOLCENGINE_ECS_METADATA"] = "wrong-role";
        using var wrongRole = Session(new RoleServer(ManualTime()));
        error = await Assert.ThrowsAsync<CredentialsException>(() => wrongRole.GetAsync(CancellationToken.None));
        Assert.Contains("instance role wrong-role: instance metadata has no credentials for it", error.Message);

        using var unreachable = Session(new RoleServer(ManualTime()) { Unreachable = true });
        error = await Assert.ThrowsAsync<CredentialsException>(() => unreachable.GetAsync(CancellationToken.None));
        Assert.Contains("cannot read instance metadata", error.Message);
        Assert.Contains("VOLCENGINE_ACCESS_KEY", error.Message);
    }

    private CredentialResolver Resolver() => new(new FakeEnvironment(_env, _home));

    private ApiSession Session(RoleServer server, TimeProvider? time = null)
    {
        var metadata = new MetadataClient(new HttpClient(server), new VolcengineSettings
        {
            Endpoint = new Uri(VolcengineSettings.DefaultEndpoint),
            MetadataUrl = new Uri("http://imds.test/volcstack/latest/"),
        });
        return new ApiSession(Resolver(), metadata, time ?? TimeProvider.System, NullLogger<ApiSession>.Instance);
    }

    private void WriteConfig(string json)
    {
        Directory.CreateDirectory(Path.Combine(_home, ".volcengine"));
        File.WriteAllText(Path.Combine(_home, ".volcengine", "config.json"), json);
    }

    private sealed class FakeEnvironment(Dictionary<string, string> values, string home) : IEnvironmentReader
    {
        public string? Get(string name) => values.GetValueOrDefault(name);

        public string? HomeDirectory => home;
    }

    private static FakeTimeProvider ManualTime() => new(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));

    private sealed record Request(string PathAndQuery, string? Token);

    /// <summary>A token-required metadata server with one role whose keys rotate on every read.</summary>
    private sealed class RoleServer(TimeProvider time) : HttpMessageHandler
    {
        private int _issued;

        public string? Role { get; init; } = "cocoon-node";

        public TimeSpan Lifetime { get; init; } = TimeSpan.FromHours(1);

        public bool Unreachable { get; set; }

        public List<Request> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (Unreachable)
            {
                throw new HttpRequestException("Connection refused (imds.test:80)");
            }

            var token = request.Headers.TryGetValues("X-volc-ecs-metadata-token", out var v) ? v.Single() : null;
            var path = request.RequestUri!.PathAndQuery;
            lock (Requests)
            {
                Requests.Add(new Request(path, token));
                if (path == "/latest/api/token")
                {
                    return Answer(HttpStatusCode.OK, "imds-token");
                }

                if (token != "imds-token")
                {
                    return Answer(HttpStatusCode.Unauthorized, "");
                }

                return path switch
                {
                    "/volcstack/latest/region_id" => Answer(HttpStatusCode.OK, "cn-beijing"),
                    "/volcstack/latest/iam/security_credentials?type=user" when Role is not null => Answer(HttpStatusCode.OK, $"[\"{Role}\"]"),
                    _ when Role is not null && path == $"/volcstack/latest/iam/security_credentials/{Role}" => Issue(),
                    _ => Answer(HttpStatusCode.NotFound, ""),
                };
            }
        }

        private Task<HttpResponseMessage> Issue()
        {
            var n = ++_issued;
            var expires = (time.GetUtcNow() + Lifetime).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            return Answer(HttpStatusCode.OK,
                $$"""{"AccessKeyId":"AKTP-{{n}}","SecretAccessKey":"secret-{{n}}","SessionToken":"token-{{n}}","ExpiredTime":"{{expires}}"}""");
        }

        private static Task<HttpResponseMessage> Answer(HttpStatusCode status, string body) =>
            Task.FromResult(new HttpResponseMessage(status) { Content = new StringContent(body) });
    }
}
