using CocoonNet.Abstractions;
using Microsoft.Extensions.DependencyInjection;

namespace CocoonNet.Providers.Adopt;

/// <summary>
/// Serves platform <c>generic</c>: a Linux host whose VM addresses were routed to it by hand, with no
/// cloud API to call. It registers nothing: no cloud provider, so <c>init</c> refuses it, and no host
/// backend, so the host treats the node as a plain Linux host (no secondary NICs, nothing to prepare).
/// </summary>
public sealed class AdoptPlugin : ICocoonNetPlugin
{
    public const string PlatformName = "generic";

    public string Name => "adopt";

    public string Version => typeof(AdoptPlugin).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    public string Platform => PlatformName;

    public void ConfigureServices(IServiceCollection services)
    {
    }
}
