using System.Text.Json;
using CocoonNet.Abstractions;
using CocoonNet.Volcengine.Tests.Support;
using CocoonNet.Providers.Volcengine;
using CocoonNet.Providers.Volcengine.Credentials;

namespace CocoonNet.Volcengine.Tests.Unit;

public sealed class CredentialTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("cocoon-net-volc-").FullName;
    private readonly Dictionary<string, string> _env = [];

    public void Dispose() => Directory.Delete(_home, recursive: true);

    [Fact]
    public void Sdk_environment_names_win_over_everything()
    {
        Set("VOLCENGINE_ACCESS_KEY", "AK1", "VOLCENGINE_SECRET_KEY", "SK1", "VOLCENGINE_SESSION_TOKEN", "TOK",
            "VOLCENGINE_ACCESS_KEY_ID", "AK2", "VOLCENGINE_SECRET_ACCESS_KEY", "SK2", "VOLCENGINE_REGION", "cn-shanghai");
        WriteConfig("""{"access_key_id":"AK3","secret_access_key":"SK3","region":"cn-guangzhou"}""");
        var credentials = Resolve();
        Assert.Equal(("AK1", "SK1", "TOK", "cn-shanghai"), (credentials.AccessKeyId, credentials.SecretAccessKey, credentials.SessionToken, credentials.Region));
    }

    [Fact]
    public void Upstream_environment_names_come_second()
    {
        Set("VOLCENGINE_ACCESS_KEY_ID", "AK2", "VOLCENGINE_SECRET_ACCESS_KEY", "SK2");
        WriteConfig("""{"access_key_id":"AK3","secret_access_key":"SK3","region":"cn-guangzhou"}""");
        var credentials = Resolve();
        Assert.Equal(("AK2", "SK2", null), (credentials.AccessKeyId, credentials.SecretAccessKey, credentials.Region));
    }

    [Fact]
    public void The_flat_config_file_form_is_read()
    {
        WriteConfig("""{"access_key_id":"AK3","secret_access_key":"SK3","region":"cn-guangzhou"}""");
        var credentials = Resolve();
        Assert.Equal(("AK3", "SK3", "cn-guangzhou"), (credentials.AccessKeyId, credentials.SecretAccessKey, credentials.Region));
    }

    [Fact]
    public void The_cli_profile_form_uses_the_current_profile_and_env_region_overrides()
    {
        Set("VOLCENGINE_REGION", "cn-beijing");
        WriteConfig("""
            {"current":"prod","profiles":{
              "dev":{"name":"dev","mode":"ak","access-key":"AKd","secret-key":"SKd","region":"cn-shanghai"},
              "prod":{"name":"prod","mode":"ak","access-key":"AKp","secret-key":"SKp","session-token":"TOKp","region":"cn-guangzhou"}},
             "enableColor":false}
            """);
        var credentials = Resolve();
        Assert.Equal(("AKp", "SKp", "TOKp", "cn-beijing"), (credentials.AccessKeyId, credentials.SecretAccessKey, credentials.SessionToken, credentials.Region));
    }

    [Theory]
    [InlineData("AK")]
    [InlineData(" ak ")]
    public void The_profile_mode_is_read_trimmed_and_in_any_case(string mode)
    {
        WriteConfig("""{"current":"p","profiles":{"p":{"mode":""" + JsonSerializer.Serialize(mode) + ""","access-key":"AKm","secret-key":"SKm","region":"cn-beijing"}}}""");
        Assert.Equal("AKm", Resolve().AccessKeyId);
    }

    [Fact]
    public void A_profile_in_another_mode_is_refused_by_name()
    {
        WriteConfig("""{"current":"sso","profiles":{"sso":{"mode":"sso","access-key":"","secret-key":""}}}""");
        var error = Assert.Throws<CredentialsException>(Resolve);
        Assert.Contains("profile sso", error.Message);
        Assert.Contains("mode ak", error.Message);
    }

    [Fact]
    public void No_source_names_every_option()
    {
        // Without keys the instance role is next; only with it turned off is there no source at all.
        Set("VOLCENGINE_ECS_METADATA_DISABLED", "true");
        var error = Assert.Throws<CredentialsException>(Resolve);
        Assert.Contains("VOLCENGINE_ACCESS_KEY", error.Message);
        Assert.Contains(".volcengine/config.json", error.Message);
    }

    [Fact]
    public void Secrets_never_appear_in_text()
    {
        Set("VOLCENGINE_ACCESS_KEY", "AKvisible", "VOLCENGINE_SECRET_KEY", "SuperSecret", "VOLCENGINE_SESSION_TOKEN", "TokenSecret");
        var text = Resolve().ToString();
        Assert.Contains("AKvisible", text);
        Assert.DoesNotContain("SuperSecret", text);
        Assert.DoesNotContain("TokenSecret", text);

        _env.Clear();
        WriteConfig("""{"access_key_id":"AK","secret_access_key":"SuperSecret" oops}""");
        Assert.DoesNotContain("SuperSecret", Assert.Throws<CredentialsException>(Resolve).Message);
    }

    [Fact]
    public void Plain_http_is_refused_unless_loopback_or_explicitly_allowed()
    {
        Set("VOLCENGINE_ENDPOINT", "http://203.0.113.1:8081");
        var error = Assert.Throws<InvalidOperationException>(() => VolcengineSettings.From(new FakeEnvironment(_env, _home), FakePluginSettings.None));
        Assert.Contains("VOLCENGINE_DISABLE_SSL=true", error.Message);

        Set("VOLCENGINE_DISABLE_SSL", "true");
        Assert.Equal("203.0.113.1", VolcengineSettings.From(new FakeEnvironment(_env, _home), FakePluginSettings.None).Endpoint.Host);

        _env.Clear();
        Set("VOLCENGINE_ENDPOINT", "http://127.0.0.1:9000");
        Assert.Equal(9000, VolcengineSettings.From(new FakeEnvironment(_env, _home), FakePluginSettings.None).Endpoint.Port);

        _env.Clear();
        var defaults = VolcengineSettings.From(new FakeEnvironment(_env, _home), FakePluginSettings.None);
        Assert.Equal("https://open.volcengineapi.com/", defaults.Endpoint.ToString());
        Assert.Equal("http://100.96.0.96/volcstack/latest/", defaults.MetadataUrl.ToString());
        Assert.False(defaults.MetadataUrlExplicit);
        Assert.Null(defaults.SecurityGroupId);
    }

    [Fact]
    public void Plugin_settings_name_the_security_group_and_the_metadata_url()
    {
        var settings = VolcengineSettings.From(new FakeEnvironment(_env, _home), new FakePluginSettings(new Dictionary<string, string>
        {
            ["security-group-id"] = "sg-123",
            ["metadata-url"] = "http://127.0.0.1:8082/volcstack/latest",
        }));
        Assert.Equal("sg-123", settings.SecurityGroupId);
        Assert.Equal("http://127.0.0.1:8082/volcstack/latest/", settings.MetadataUrl.ToString());
        Assert.True(settings.MetadataUrlExplicit);

        var error = Assert.Throws<InvalidOperationException>(() => VolcengineSettings.From(new FakeEnvironment(_env, _home),
            new FakePluginSettings(new Dictionary<string, string> { ["metadata-url"] = "ftp://x" })));
        Assert.Contains("metadata-url", error.Message);
        Assert.Contains("is not an http(s) URL", error.Message);
    }

    [Fact]
    public void The_declared_settings_keep_todays_variable_names()
    {
        var settings = new VolcenginePlugin().Settings;
        var group = Assert.Single(settings, s => s.Name == "security-group-id");
        Assert.True(group.Recorded);
        Assert.False(group.Secret);
        Assert.Equal(SettingCommands.Init, group.Commands);
        var metadata = Assert.Single(settings, s => s.Name == "metadata-url");
        Assert.False(metadata.Recorded);
        Assert.Null(metadata.Default);
        // COCOON_NET_<PLUGIN>_<NAME>: the variables users set before settings existed.
        Assert.Equal(["COCOON_NET_VOLCENGINE_SECURITY_GROUP_ID", "COCOON_NET_VOLCENGINE_METADATA_URL"],
            settings.Select(s => $"COCOON_NET_VOLCENGINE_{s.Name.Replace('-', '_').ToUpperInvariant()}"));
    }

    private VolcengineCredentials Resolve() => Assert.IsType<StaticKeys>(new CredentialResolver(new FakeEnvironment(_env, _home)).Resolve()).Credentials;

    private void Set(params string[] pairs)
    {
        for (var i = 0; i < pairs.Length; i += 2)
        {
            _env[pairs[i]] = pairs[i + 1];
        }
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
}
