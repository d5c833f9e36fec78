using CocoonNet.Abstractions;

namespace CocoonNet.Volcengine.Tests.Support;

/// <summary>The plugin's settings as the host would resolve them, given directly.</summary>
internal sealed class FakePluginSettings(IReadOnlyDictionary<string, string>? values = null) : IPluginSettings
{
    public static FakePluginSettings None { get; } = new();

    public string? this[string name] => values?.GetValueOrDefault(name);
}
