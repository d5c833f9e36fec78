namespace CocoonNet.Emulators.Gce;

/// <summary>
/// The emulated world at start-up, from the command line (<c>--Key value</c>, ASP.NET configuration
/// syntax). Defaults describe a GKE node pool subnetwork with two nodes, each holding a GKE pod alias.
/// </summary>
internal sealed class EmulatorOptions
{
    public string Project { get; set; } = "cocoon-emu";

    public string ProjectNumber { get; set; } = "424242424242";

    public string Zone { get; set; } = "us-central1-a";

    /// <summary>The instance the metadata server describes (the node cocoon-net runs on).</summary>
    public string Instance { get; set; } = "gke-node-1";

    /// <summary>Other instances on the same subnetwork.</summary>
    public string OtherInstances { get; set; } = "gke-node-2";

    public string Subnetwork { get; set; } = "gke-nodes";

    public string SubnetworkRange { get; set; } = "10.128.0.0/20";

    /// <summary>Initial secondary ranges, <c>name=cidr</c> separated by commas.</summary>
    public string SecondaryRanges { get; set; } = "gke-pods=10.8.0.0/14,gke-services=10.12.0.0/20";

    /// <summary>When true every instance starts with a GKE pod alias <c>gke-pods:10.8.N.0/24</c>.</summary>
    public bool GkePodAliases { get; set; } = true;

    /// <summary>Access scopes of the instance's service account, comma separated.</summary>
    public string Scopes { get; set; } = "https://www.googleapis.com/auth/cloud-platform";

    /// <summary>Time an operation takes from PENDING to DONE.</summary>
    public int OperationMilliseconds { get; set; } = 300;

    /// <summary>
    /// How long zoneOperations.wait / regionOperations.wait hold a call before answering with the operation as it
    /// stands (RUNNING when it is not done yet). GCE holds up to 2 minutes: compute-api.json, zoneOperations.wait
    /// "Waits for the specified Operation resource to return as DONE or for the request to approach the 2 minute
    /// deadline ... which might be DONE or still in progress". Short here so tests run fast; a test sets it above
    /// the client's ordinary call limit, with <see cref="OperationMilliseconds"/> longer still, to get an
    /// operation that stays RUNNING past several wait calls.
    /// </summary>
    public int WaitHoldMilliseconds { get; set; } = 2000;

    /// <summary>Added to every Compute API answer.</summary>
    public int LatencyMilliseconds { get; set; }

    public string Region => Zone[..Zone.LastIndexOf('-')];
}
