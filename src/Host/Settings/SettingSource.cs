namespace CocoonNet.Host.Settings;

/// <summary>Where a setting's value came from, in ascending precedence (a later member wins over an earlier one).</summary>
internal enum SettingSource
{
    /// <summary>The plugin's declared default.</summary>
    Default,

    /// <summary>Recorded in pool.json by an earlier init or adopt.</summary>
    PoolJson,

    /// <summary><c>/etc/cocoon-net/config.json</c>.</summary>
    ConfigFile,

    /// <summary><c>COCOON_NET_&lt;PLUGIN&gt;_&lt;NAME&gt;</c>.</summary>
    Environment,

    /// <summary>The command-line flag.</summary>
    Flag,
}
