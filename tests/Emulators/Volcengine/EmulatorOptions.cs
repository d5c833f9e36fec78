namespace CocoonNet.Emulators.Volcengine;

/// <summary>Command-line options (<c>--Name value</c>, bound by the ASP.NET configuration).</summary>
internal sealed class EmulatorOptions
{
    public string AccessKey { get; set; } = "AKLTtest";
    public string SecretKey { get; set; } = "test-secret";

    /// <summary>Node network namespace in which attached ENIs appear as dummy links; none when empty.</summary>
    public string NodeNetns { get; set; } = "";

    public string Region { get; set; } = "cn-beijing";
    public string Zone { get; set; } = "cn-beijing-a";
    public string InstanceId { get; set; } = "i-emu00000001";
    public string InstanceType { get; set; } = "ecs.g1ie.xlarge";

    /// <summary>ENIs per instance, including the primary.</summary>
    public int MaxEnis { get; set; } = 8;

    /// <summary>Private IPv4 addresses per ENI, including its primary address.</summary>
    public int MaxIpsPerEni { get; set; } = 21;

    /// <summary>ENIs the account may have in the region.</summary>
    public int EniQuota { get; set; } = 100;

    /// <summary>Secondary ENIs without cocoon-net tags, attached to the instance at start.</summary>
    public int ForeignEnis { get; set; }

    public int ApiLatencyMs { get; set; }
    public int EniCreateMs { get; set; } = 100;
    public int EniAttachMs { get; set; } = 200;
    public int EniDetachMs { get; set; } = 100;
    public int EniDeleteMs { get; set; } = 50;
    public int SubnetCreateMs { get; set; } = 100;
    public int SubnetDeleteMs { get; set; } = 50;

    /// <summary>The instance's metadata token mode: "" (no token endpoint), "optional" or "required"; see MetadataTokens.</summary>
    public string MetadataTokens { get; set; } = "";

    /// <summary>
    /// How long after the last ENI of a subnet is deleted DeleteSubnet still fails (0: not at all).
    /// Source: terraform-provider-volcengine volcengine/vpc/subnet/service_volcengine_subnet.go, RemoveResource:
    /// on a DeleteSubnet error it re-reads the subnet and retries the call for up to 15 minutes (it retries on any
    /// error code; the code is not named there, so the emulator answers what it answers for a subnet with ENIs).
    /// </summary>
    public int SubnetDependencyMs { get; set; }

    /// <summary>
    /// The instance's IAM role ("" : none). Served under /volcstack/latest/iam/security_credentials (the role list,
    /// with or without ?type=user) and .../security_credentials/NAME (STS keys), with the token rules of --metadata-tokens.
    /// Source: volcengine/volcengine-go-sdk volcengine/credentials/ecs_role_provider.go (imdsRoleNamePath,
    /// imdsRoleCredsPath, imdsCredentialResponse {AccessKeyId, SecretAccessKey, SessionToken, ExpiredTime}); see InstanceRoles.
    /// </summary>
    public string InstanceRole { get; set; } = "";

    /// <summary>
    /// Lifetime of each STS key pair the role hands out; a request signed with it after that is refused. Source: the same
    /// file parses ExpiredTime (RFC 3339) and refreshes before it (imdsDefaultExpiryWindow), i.e. the keys do expire.
    /// </summary>
    public int StsTtlSeconds { get; set; } = 3600;

    /// <summary>
    /// How long the VPC stays busy after CreateSubnet (0: not at all); meanwhile CreateNetworkInterface answers
    /// InvalidVpc.InvalidStatus. Sources: terraform-provider-volcengine volcengine/vpc/subnet/service_volcengine_subnet.go
    /// (CreateSubnet locks per VPC and waits, through ExtraRefresh, for the VPC to be Available again) and volcengine/cello
    /// pkg/provider/volcengine/cellohelper/volc_api.go (createENI/attachENI name InvalidVpc.InvalidStatus).
    /// Meanwhile DescribeVpcs shows the VPC's Status as not Available: terraform's wait (ExtraRefresh with target
    /// Available, volcengine/vpc/vpc/service_volcengine_vpc.go RefreshResourceState: DescribeVpcs with VpcIds.1, field
    /// Status, fail state Error, any other value waited through) only makes sense if it does.
    /// </summary>
    public int VpcBusyMs { get; set; }

    /// <summary>
    /// Detach of an ENI that is not InUse on the given instance answers InvalidEni.InstanceMismatch, as a repeated
    /// detach does. Source: volcengine/cello pkg/provider/volcengine/cellohelper/volc_api.go, freeENI: its detach
    /// retry loop ignores InvalidEni.InstanceMismatch (constant in cellohelper/errors/errors.go) as already detached.
    /// </summary>
    public bool InstanceMismatchOnDetach { get; set; }

    /// <summary><c>Action:N</c>: the Nth successful call of Action is applied, then answered with a 500 (a lost answer).</summary>
    public string? FailAfter { get; set; }

    public double ThrottleRate { get; set; }
    public double ErrorRate { get; set; }
    public int Seed { get; set; } = 1;
}
