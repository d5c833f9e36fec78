namespace CocoonNet.Providers.Gke;

/// <summary>
/// Where the plugin finds GCE. Both endpoints follow Google's own conventions so that one setting serves
/// Google's libraries and this plugin alike: <c>GCE_METADATA_HOST</c> (host[:port], no scheme) and gcloud's
/// <c>CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE</c> (for private endpoints and tests).
/// </summary>
public sealed class GkeOptions
{
    public const string MetadataHostVariable = "GCE_METADATA_HOST";
    public const string ComputeEndpointVariable = "CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE";
    /// <summary>The metadata server's fixed address: no DNS needed (Google's libraries probe it the same way).</summary>
    public const string DefaultMetadataHost = "169.254.169.254";
    public const string DefaultComputeEndpoint = "https://compute.googleapis.com/compute/v1/";

    /// <summary>
    /// Whole seconds: the shortest interval the agent may poll one node's status at (two Compute reads a check).
    /// For private endpoints with their own limits, and for tests against the emulator.
    /// </summary>
    public const string MinimumStatusIntervalVariable = "COCOON_NET_GKE_MIN_STATUS_INTERVAL_SECONDS";

    /// <summary>Metadata server as host[:port].</summary>
    public string MetadataHost { get; set; } = DefaultMetadataHost;

    /// <summary>True when <c>GCE_METADATA_HOST</c> named the server: probe it, whatever the hardware says.</summary>
    public bool MetadataHostOverridden { get; set; }

    /// <summary>Base URL of the Compute API v1.</summary>
    public string ComputeEndpoint { get; set; } = DefaultComputeEndpoint;

    /// <summary>
    /// The agent's floor for <c>--cloud-check</c>: one minute keeps a fleet well inside the project's Compute
    /// read quota (a check is two reads per node).
    /// </summary>
    public TimeSpan MinimumStatusInterval { get; set; } = TimeSpan.FromMinutes(1);

    public void LoadFromEnvironment()
    {
        if (Environment.GetEnvironmentVariable(MetadataHostVariable) is { Length: > 0 } host)
        {
            MetadataHost = host.Trim();
            MetadataHostOverridden = true;
        }

        if (Environment.GetEnvironmentVariable(ComputeEndpointVariable) is { Length: > 0 } endpoint)
        {
            ComputeEndpoint = endpoint.Trim();
        }

        // Not a number of seconds of at least 1: the default stands (the agent only ever raises its interval to it).
        if (int.TryParse(Environment.GetEnvironmentVariable(MinimumStatusIntervalVariable), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            MinimumStatusInterval = TimeSpan.FromSeconds(seconds);
        }
    }

    /// <summary>The metadata base URL, or an error naming the variable to fix.</summary>
    public Uri MetadataBase()
    {
        var valid = !MetadataHost.Contains('/', StringComparison.Ordinal)
            && Uri.TryCreate($"http://{MetadataHost}/", UriKind.Absolute, out var uri)
            && uri.PathAndQuery == "/";
        return valid
            ? new Uri($"http://{MetadataHost}/")
            : throw new GkeException($"{MetadataHostVariable}={MetadataHost} is not host[:port] (e.g. 169.254.169.254 or 127.0.0.1:8080)");
    }

    /// <summary>The Compute API base URL (always ending in '/'), or an error naming the variable to fix.</summary>
    public Uri ComputeBase()
    {
        var text = ComputeEndpoint.EndsWith('/') ? ComputeEndpoint : ComputeEndpoint + "/";
        return Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && string.IsNullOrEmpty(uri.Query)
            ? uri
            : throw new GkeException(
                $"{ComputeEndpointVariable}={ComputeEndpoint} is not an http(s) URL such as {DefaultComputeEndpoint}");
    }
}
