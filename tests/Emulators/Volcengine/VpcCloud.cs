using System.Globalization;
using System.Net;

namespace CocoonNet.Emulators.Volcengine;

/// <summary>
/// One region of one account: a VPC with the node's instance, its primary ENI and host subnet, and whatever
/// the client creates. Async resources move through their statuses on timers with the configured delays.
/// All state is behind one lock; side effects (links) run outside it.
/// </summary>
internal sealed class VpcCloud
{
    public const string VpcId = "vpc-emu00000001";
    public const string SecurityGroupId = "sg-emu00000001";

    /// <summary>A second group of the VPC, for choosing one other than the primary ENI's.</summary>
    public const string OtherSecurityGroupId = "sg-emu00000002";
    public static readonly IPNetwork VpcCidr = IPNetwork.Parse("172.16.0.0/12");

    private readonly EmulatorOptions _options;
    private readonly NodeLinks _links;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, EmuSubnet> _subnets = [];
    private readonly Dictionary<string, EmuEni> _enis = [];
    private readonly Dictionary<(string Action, string Token), (string Fingerprint, object Result)> _tokens = [];
    private readonly Dictionary<string, int> _calls = [];
    private readonly Dictionary<string, int> _rejections = [];

    /// <summary>Per subnet, until when DeleteSubnet still sees its deleted ENIs (see SubnetDependencyMs).</summary>
    private readonly Dictionary<string, DateTime> _dependencyUntil = [];

    /// <summary>Until when the VPC is busy after a CreateSubnet (see VpcBusyMs).</summary>
    private DateTime _vpcBusyUntil;
    private int _counter;

    public VpcCloud(EmulatorOptions options, NodeLinks links)
    {
        _options = options;
        _links = links;
        var host = new EmuSubnet
        {
            Id = "subnet-host0001",
            Name = "host",
            Cidr = IPNetwork.Parse("172.16.0.0/24"),
            Zone = options.Zone,
            VpcId = VpcId,
            Status = "Available",
        };
        _subnets[host.Id] = host;
        var primary = NewEni("eni-primary0001", "primary", host, "primary", "00:16:3e:00:00:01", []);
        primary.Status = "InUse";
        primary.InstanceId = options.InstanceId;
        primary.LinkName = "eth0";
        for (var i = 0; i < options.ForeignEnis; i++)
        {
            var foreign = NewEni($"eni-foreign{i:D4}", $"foreign-{i}", host, "secondary", $"00:16:3e:00:01:{i:x2}", []);
            foreign.Status = "InUse";
            foreign.InstanceId = options.InstanceId;
        }
    }

    public const string PrimaryMac = "00:16:3e:00:00:01";

    /// <summary>Runs an action; the result object is serialised as the envelope's Result.</summary>
    public object Execute(string action, ApiParameters p)
    {
        var token = p.Get("ClientToken");
        lock (_lock)
        {
            if (token is not null && _tokens.TryGetValue((action, token), out var earlier))
            {
                return earlier.Fingerprint == p.Fingerprint()
                    ? earlier.Result
                    : throw new ApiError("IdempotentParameterMismatch", $"ClientToken {token} was used with different parameters");
            }
        }

        object result;
        Action? effect;
        try
        {
            (result, effect) = Apply(action, p);
        }
        catch (ApiError e)
        {
            lock (_lock)
            {
                _rejections[$"{action} {e.Code}"] = _rejections.GetValueOrDefault($"{action} {e.Code}") + 1;
            }

            throw;
        }

        lock (_lock)
        {
            if (token is not null)
            {
                _tokens[(action, token)] = (p.Fingerprint(), result);
            }

            if (!action.StartsWith("Describe", StringComparison.Ordinal))
            {
                _calls[action] = _calls.GetValueOrDefault(action) + 1;
            }
        }

        effect?.Invoke();
        return result;
    }

    public int CallCount(string action)
    {
        lock (_lock)
        {
            return _calls.GetValueOrDefault(action);
        }
    }

    public object Calls()
    {
        lock (_lock)
        {
            return new SortedDictionary<string, int>(_calls);
        }
    }

    /// <summary>Refused calls by "Action Code" (e.g. how many ENI creates met the busy VPC).</summary>
    public object Rejections()
    {
        lock (_lock)
        {
            return new SortedDictionary<string, int>(_rejections);
        }
    }

    /// <summary>Everything that exists, sorted, for before/after comparisons.</summary>
    public object Inventory()
    {
        lock (_lock)
        {
            return new
            {
                Subnets = _subnets.Values.OrderBy(s => s.Id, StringComparer.Ordinal).Select(s => new
                {
                    s.Id,
                    s.Name,
                    Cidr = s.Cidr.ToString(),
                    s.Zone,
                    s.Status,
                    Tags = s.Tags.Select(t => $"{t.Key}={t.Value}").Order().ToList(),
                    UsedIps = s.UsedIps.Count,
                }).ToList(),
                Enis = _enis.Values.OrderBy(e => e.Id, StringComparer.Ordinal).Select(e => new
                {
                    e.Id,
                    e.Name,
                    e.Type,
                    e.Status,
                    e.InstanceId,
                    e.SubnetId,
                    e.Mac,
                    e.PrimaryIp,
                    SecondaryIps = e.SecondaryIps.ToList(),
                    e.LinkName,
                    e.SecurityGroup,
                    Tags = e.Tags.Select(t => $"{t.Key}={t.Value}").Order().ToList(),
                }).ToList(),
            };
        }
    }

    public string? Metadata(string path)
    {
        lock (_lock)
        {
            var attached = _enis.Values.Where(e => e.InstanceId == _options.InstanceId && e.Status == "InUse").OrderBy(e => e.LinkName).ToList();
            switch (path)
            {
                case "instance_id": return _options.InstanceId;
                case "region_id": return _options.Region;
                case "availability_zone": return _options.Zone;
                case "instance_type": return _options.InstanceType;
                case "vpc_id": return VpcId;
                case "vpc_cidr_block": return VpcCidr.ToString();
                case "mac": return PrimaryMac;
                case "network/interfaces/macs": return string.Join('\n', attached.Select(e => e.Mac));
            }

            var parts = path.Split('/');
            if (parts is ["network", "interfaces", "macs", var mac, var field] && attached.FirstOrDefault(e => e.Mac == mac) is { } eni)
            {
                return field switch
                {
                    "network_interface_id" => eni.Id,
                    "primary_ip_address" => eni.PrimaryIp,
                    "subnet_id" => eni.SubnetId,
                    "subnet_cidr_block" => _subnets[eni.SubnetId].Cidr.ToString(),
                    "private_ipv4s" => string.Join('\n', eni.SecondaryIps),
                    _ => null,
                };
            }

            return null;
        }
    }

    private (object Result, Action? Effect) Apply(string action, ApiParameters p) => action switch
    {
        "DescribeVpcs" => (DescribeVpcs(p), null),
        "DescribeSubnets" => (DescribeSubnets(p), null),
        "CreateSubnet" => CreateSubnet(p),
        "DeleteSubnet" => DeleteSubnet(p),
        "DescribeNetworkInterfaces" => (DescribeNetworkInterfaces(p), null),
        "DescribeNetworkInterfaceAttributes" => (DescribeNetworkInterfaceAttributes(p), null),
        "CreateNetworkInterface" => CreateNetworkInterface(p),
        "AttachNetworkInterface" => Attach(p),
        "DetachNetworkInterface" => Detach(p),
        "DeleteNetworkInterface" => DeleteEni(p),
        "AssignPrivateIpAddresses" => (Assign(p), null),
        "DescribeInstanceTypes" => (DescribeInstanceTypes(p), null),
        _ => throw new ApiError("InvalidActionOrVersion", $"action {action} is not supported", 404),
    };

    /// <summary>
    /// The one VPC. Parameters and fields as volcengine-go-sdk service/vpc/api_describe_vpcs.go names them (VpcIds.N;
    /// Result.Vpcs[] with VpcId, Status, SubnetIds, ...). Status is not Available during the busy window
    /// after CreateSubnet (see EmulatorOptions.VpcBusyMs).
    /// </summary>
    private object DescribeVpcs(ApiParameters p)
    {
        lock (_lock)
        {
            var ids = p.List("VpcIds");
            List<string> matches = ids.Count == 0 || ids.Contains(VpcId) ? [VpcId] : [];

            var (page, total) = Page(matches, p);
            return new
            {
                Vpcs = page.Select(id => new
                {
                    VpcId = id,
                    VpcName = "emulated",
                    CidrBlock = VpcCidr.ToString(),
                    // The sources name Available (the target) and Error (a failure); "Pending" stands for any other value.
                    Status = DateTime.UtcNow < _vpcBusyUntil ? "Pending" : "Available",
                    IsDefault = false,
                    SubnetIds = _subnets.Values.Select(s => s.Id).Order(StringComparer.Ordinal).ToList(),
                    SecurityGroupIds = new[] { SecurityGroupId, OtherSecurityGroupId },
                    AccountId = "2100000001",
                    ProjectName = "default",
                    CreationTime = "2026-01-01T00:00:00+08:00",
                    UpdateTime = "2026-01-01T00:00:00+08:00",
                }).ToList(),
                TotalCount = total,
                PageNumber = p.Int("PageNumber") ?? 1,
                PageSize = p.Int("PageSize") ?? 20,
            };
        }
    }

    private object DescribeSubnets(ApiParameters p)
    {
        lock (_lock)
        {
            var ids = p.List("SubnetIds");
            var filters = p.TagFilters();
            var matches = _subnets.Values
                .Where(s => p.Get("VpcId") is not { } vpc || s.VpcId == vpc)
                .Where(s => p.Get("ZoneId") is not { } zone || s.Zone == zone)
                .Where(s => ids.Count == 0 || ids.Contains(s.Id))
                .Where(s => filters.All(f => s.Tags.Any(t => t.Key == f.Key && (f.Values.Count == 0 || f.Values.Contains(t.Value)))))
                .OrderBy(s => s.Id, StringComparer.Ordinal)
                .ToList();
            var (page, total) = Page(matches, p);
            return new
            {
                Subnets = page.Select(s => new
                {
                    SubnetId = s.Id,
                    SubnetName = s.Name,
                    CidrBlock = s.Cidr.ToString(),
                    ZoneId = s.Zone,
                    s.VpcId,
                    s.Status,
                    AvailableIpAddressCount = Capacity(s) - s.UsedIps.Count,
                    TotalIpv4Count = Capacity(s),
                    Tags = s.Tags.Select(t => new { t.Key, t.Value }).ToList(),
                }).ToList(),
                TotalCount = total,
                PageNumber = p.Int("PageNumber") ?? 1,
                PageSize = p.Int("PageSize") ?? 20,
            };
        }
    }

    private (object, Action?) CreateSubnet(ApiParameters p)
    {
        var cidrText = Required(p, "CidrBlock");
        if (!IPNetwork.TryParse(cidrText, out var cidr) || cidr.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
            || cidr.PrefixLength is < 16 or > 29)
        {
            throw new ApiError("InvalidCidrBlock.Malformed", $"CidrBlock {cidrText} is not a valid IPv4 CIDR with a /16 to /29 mask");
        }

        EmuSubnet subnet;
        lock (_lock)
        {
            if (Required(p, "VpcId") != VpcId)
            {
                throw new ApiError("InvalidVpc.NotFound", $"VPC {p.Get("VpcId")} does not exist", 404);
            }

            if (!VpcCidr.Contains(cidr.BaseAddress))
            {
                throw new ApiError("InvalidCidrBlock.Malformed", $"CidrBlock {cidr} is not inside VPC CIDR {VpcCidr}");
            }

            if (_subnets.Values.FirstOrDefault(s => Overlaps(s.Cidr, cidr)) is { } clash)
            {
                throw new ApiError("InvalidSubnet.Conflict", $"CidrBlock {cidr} overlaps subnet {clash.Id} ({clash.Cidr})");
            }

            subnet = new EmuSubnet
            {
                Id = NewId("subnet-"),
                Name = p.Get("SubnetName") ?? "",
                Cidr = cidr,
                Zone = Required(p, "ZoneId"),
                VpcId = VpcId,
                Tags = [.. p.Tags("Tags")],
            };
            _subnets[subnet.Id] = subnet;
            if (_options.VpcBusyMs > 0)
            {
                _vpcBusyUntil = DateTime.UtcNow.AddMilliseconds(_options.VpcBusyMs);
            }
        }

        return (new { SubnetId = subnet.Id, RequestId = Guid.NewGuid().ToString() },
            () => Later(_options.SubnetCreateMs, () => subnet.Status = "Available"));
    }

    private (object, Action?) DeleteSubnet(ApiParameters p)
    {
        var id = Required(p, "SubnetId");
        lock (_lock)
        {
            var subnet = _subnets.GetValueOrDefault(id) ?? throw new ApiError("InvalidSubnet.NotFound", $"subnet {id} does not exist", 404);
            if (_enis.Values.Any(e => e.SubnetId == id)
                || (_dependencyUntil.TryGetValue(id, out var until) && DateTime.UtcNow < until))
            {
                throw new ApiError("InvalidSubnet.InUse", $"subnet {id} still has network interfaces");
            }

            if (subnet.Status != "Available")
            {
                throw new ApiError("InvalidSubnet.InvalidStatus", $"subnet {id} is {subnet.Status}");
            }

            subnet.Status = "Pending";
        }

        return (new { }, () => Later(_options.SubnetDeleteMs, () => _subnets.Remove(id)));
    }

    private object DescribeNetworkInterfaces(ApiParameters p)
    {
        lock (_lock)
        {
            var ids = p.List("NetworkInterfaceIds");
            var filters = p.TagFilters();
            var matches = _enis.Values
                .Where(e => p.Get("InstanceId") is not { } instance || e.InstanceId == instance)
                .Where(e => p.Get("SubnetId") is not { } subnet || e.SubnetId == subnet)
                .Where(e => p.Get("VpcId") is not { } vpc || vpc == VpcId)
                .Where(e => p.Get("Type") is not { } type || e.Type == type)
                .Where(e => p.Get("Status") is not { } status || e.Status == status)
                .Where(e => ids.Count == 0 || ids.Contains(e.Id))
                .Where(e => filters.All(f => e.Tags.Any(t => t.Key == f.Key && (f.Values.Count == 0 || f.Values.Contains(t.Value)))))
                .OrderBy(e => e.Id, StringComparer.Ordinal)
                .ToList();
            var (page, total) = Page(matches, p);
            return new { NetworkInterfaceSets = page.Select(Describe).ToList(), TotalCount = total };
        }
    }

    private object DescribeNetworkInterfaceAttributes(ApiParameters p)
    {
        var id = Required(p, "NetworkInterfaceId");
        lock (_lock)
        {
            return Describe(_enis.GetValueOrDefault(id) ?? throw new ApiError("InvalidEniId.NotFound", $"network interface {id} does not exist", 404));
        }
    }

    private (object, Action?) CreateNetworkInterface(ApiParameters p)
    {
        var subnetId = Required(p, "SubnetId");
        var count = p.Int("SecondaryPrivateIpAddressCount") ?? 0;
        if (count is < 0 or > 49)
        {
            throw new ApiError("InvalidParameter", "SecondaryPrivateIpAddressCount must be between 1 and 49");
        }

        if (p.List("SecurityGroupIds") is not [SecurityGroupId or OtherSecurityGroupId])
        {
            throw new ApiError("InvalidSecurityGroup.NotFound", $"security group(s) {string.Join(',', p.List("SecurityGroupIds"))} not found", 404);
        }

        EmuEni eni;
        lock (_lock)
        {
            if (DateTime.UtcNow < _vpcBusyUntil)
            {
                // See EmulatorOptions.VpcBusyMs for the sources.
                throw new ApiError("InvalidVpc.InvalidStatus", $"VPC {VpcId} is not Available: a subnet change is in progress");
            }

            var subnet = _subnets.GetValueOrDefault(subnetId) ?? throw new ApiError("InvalidSubnet.NotFound", $"subnet {subnetId} does not exist", 404);
            if (subnet.Status != "Available")
            {
                throw new ApiError("InvalidSubnet.InvalidStatus", $"subnet {subnetId} is {subnet.Status}");
            }

            if (_enis.Values.Count(e => e.Type != "primary") >= _options.EniQuota)
            {
                throw new ApiError("QuotaExceeded.Eni", $"the account may have at most {_options.EniQuota} network interfaces");
            }

            if (Capacity(subnet) - subnet.UsedIps.Count < count + 1)
            {
                throw new ApiError("InsufficientIpInSubnet", $"subnet {subnetId} has {Capacity(subnet) - subnet.UsedIps.Count} free addresses");
            }

            var n = ++_counter;
            eni = NewEni($"eni-{n:x8}emu", p.Get("NetworkInterfaceName") ?? "", subnet, "secondary",
                $"02:ee:00:00:{n >> 8 & 0xff:x2}:{n & 0xff:x2}", p.Tags("Tags"), p.List("SecurityGroupIds")[0]);
            for (var i = 0; i < count; i++)
            {
                eni.SecondaryIps.Add(Allocate(subnet));
            }
        }

        return (new { NetworkInterfaceId = eni.Id, RequestId = Guid.NewGuid().ToString() },
            () => Later(_options.EniCreateMs, () => eni.Status = "Available"));
    }

    private (object, Action?) Attach(ApiParameters p)
    {
        var id = Required(p, "NetworkInterfaceId");
        var instance = Required(p, "InstanceId");
        EmuEni eni;
        string link;
        lock (_lock)
        {
            eni = FindEni(id);
            if (instance != _options.InstanceId)
            {
                throw new ApiError("InvalidInstance.NotFound", $"instance {instance} does not exist", 404);
            }

            if (eni.Status != "Available")
            {
                throw new ApiError("InvalidEni.InvalidStatus", $"network interface {id} is {eni.Status}, not Available");
            }

            if (_subnets[eni.SubnetId].Zone != _options.Zone)
            {
                throw new ApiError("InvalidEni.ZoneMismatch", $"network interface {id} is not in the instance's zone");
            }

            var attached = _enis.Values.Where(e => e.InstanceId == instance).ToList();
            if (attached.Count >= _options.MaxEnis)
            {
                throw new ApiError("LimitExceeded.EnisPerInstance", $"instance {instance} ({_options.InstanceType}) allows {_options.MaxEnis} network interfaces");
            }

            if (eni.SecondaryIps.Count + 1 > _options.MaxIpsPerEni)
            {
                throw new ApiError("LimitExceeded.PrivateIpsPerEni",
                    $"network interface {id} has {eni.SecondaryIps.Count + 1} IPs; {_options.InstanceType} allows {_options.MaxIpsPerEni} per ENI");
            }

            var used = attached.Select(e => e.LinkName).ToHashSet();
            var index = Enumerable.Range(1, 64).First(i => !used.Contains($"eth{i}"));
            link = $"eth{index}";
            eni.Status = "Attaching";
            eni.InstanceId = instance;
            eni.LinkName = link;
        }

        return (new { RequestId = Guid.NewGuid().ToString() }, () => _ = Task.Run(async () =>
        {
            await Task.Delay(_options.EniAttachMs).ConfigureAwait(false);
            await _links.AddAsync(link, eni.Mac).ConfigureAwait(false);
            lock (_lock)
            {
                eni.Status = "InUse";
            }
        }));
    }

    private (object, Action?) Detach(ApiParameters p)
    {
        var id = Required(p, "NetworkInterfaceId");
        EmuEni eni;
        string? link;
        lock (_lock)
        {
            eni = FindEni(id);
            if (eni.Type == "primary")
            {
                throw new ApiError("InvalidEni.InvalidStatus", $"network interface {id} is a primary interface");
            }

            if (_options.InstanceMismatchOnDetach && (eni.Status != "InUse" || eni.InstanceId != Required(p, "InstanceId")))
            {
                // See EmulatorOptions.InstanceMismatchOnDetach for the source.
                throw new ApiError("InvalidEni.InstanceMismatch", $"network interface {id} is not attached to instance {p.Get("InstanceId")}");
            }

            if (eni.Status != "InUse" || eni.InstanceId != Required(p, "InstanceId"))
            {
                throw new ApiError("InvalidEni.InvalidStatus", $"network interface {id} is {eni.Status}, not InUse on {p.Get("InstanceId")}");
            }

            eni.Status = "Detaching";
            link = eni.LinkName;
        }

        return (new { RequestId = Guid.NewGuid().ToString() }, () => _ = Task.Run(async () =>
        {
            if (link is not null)
            {
                await _links.RemoveAsync(link).ConfigureAwait(false);
            }

            await Task.Delay(_options.EniDetachMs).ConfigureAwait(false);
            lock (_lock)
            {
                eni.Status = "Available";
                eni.InstanceId = "";
                eni.LinkName = null;
            }
        }));
    }

    /// <summary>
    /// Test switch: an ENI detached behind cocoon-net's back (console, another tool), at once and without an API
    /// call of the node: every --cloud-check interval the agent asks the provider for live status (read-only calls)
    /// and reports drift in status and metrics. False when the ENI is
    /// unknown or not attached.
    /// </summary>
    public async Task<bool> DetachBehindTheNodeAsync(string id)
    {
        string? link;
        lock (_lock)
        {
            if (!_enis.TryGetValue(id, out var eni) || eni.Status != "InUse")
            {
                return false;
            }

            link = eni.LinkName;
            eni.Status = "Available";
            eni.InstanceId = "";
            eni.LinkName = null;
        }

        if (link is not null)
        {
            await _links.RemoveAsync(link).ConfigureAwait(false);
        }

        return true;
    }

    private (object, Action?) DeleteEni(ApiParameters p)
    {
        var id = Required(p, "NetworkInterfaceId");
        lock (_lock)
        {
            var eni = FindEni(id);
            if (eni.Type == "primary" || eni.Status != "Available")
            {
                throw new ApiError("InvalidEni.InvalidStatus", $"network interface {id} is {eni.Status} ({eni.Type}); only an Available secondary one can be deleted");
            }

            eni.Status = "Deleting";
            return (new { RequestId = Guid.NewGuid().ToString() }, () => Later(_options.EniDeleteMs, () =>
            {
                _enis.Remove(id);
                if (_options.SubnetDependencyMs > 0)
                {
                    _dependencyUntil[eni.SubnetId] = DateTime.UtcNow.AddMilliseconds(_options.SubnetDependencyMs);
                }

                var subnet = _subnets[eni.SubnetId];
                subnet.UsedIps.Remove(eni.PrimaryIp);
                subnet.UsedIps.ExceptWith(eni.SecondaryIps);
            }));
        }
    }

    private object Assign(ApiParameters p)
    {
        var id = Required(p, "NetworkInterfaceId");
        var count = p.Int("SecondaryPrivateIpAddressCount") ?? throw new ApiError("MissingParameter", "SecondaryPrivateIpAddressCount is required");
        lock (_lock)
        {
            var eni = FindEni(id);
            var limit = eni.Status switch
            {
                "InUse" => _options.MaxIpsPerEni,
                "Available" => 50,
                _ => throw new ApiError("InvalidEni.InvalidStatus", $"network interface {id} is {eni.Status}"),
            };
            if (eni.SecondaryIps.Count + 1 + count > limit)
            {
                throw new ApiError("LimitExceeded.PrivateIpsPerEni", $"network interface {id} would have {eni.SecondaryIps.Count + 1 + count} IPs; the limit is {limit}");
            }

            var subnet = _subnets[eni.SubnetId];
            if (Capacity(subnet) - subnet.UsedIps.Count < count)
            {
                throw new ApiError("InsufficientIpInSubnet", $"subnet {subnet.Id} has {Capacity(subnet) - subnet.UsedIps.Count} free addresses");
            }

            var added = Enumerable.Range(0, count).Select(_ => Allocate(subnet)).ToList();
            eni.SecondaryIps.AddRange(added);
            return new { NetworkInterfaceId = id, PrivateIpSet = added, RequestId = Guid.NewGuid().ToString() };
        }
    }

    private object DescribeInstanceTypes(ApiParameters p)
    {
        var wanted = p.List("InstanceTypeIds").Concat(p.List("InstanceTypes")).ToList();
        var types = wanted.Count == 0 || wanted.Contains(_options.InstanceType)
            ? new[]
            {
                new
                {
                    InstanceTypeId = _options.InstanceType,
                    Network = new { MaximumNetworkInterfaces = _options.MaxEnis, MaximumPrivateIpv4AddressesPerNetworkInterface = _options.MaxIpsPerEni },
                },
            }
            : [];
        return new { InstanceTypes = types };
    }

    private object Describe(EmuEni e) => new
    {
        NetworkInterfaceId = e.Id,
        NetworkInterfaceName = e.Name,
        e.Type,
        e.Status,
        MacAddress = e.Mac,
        PrimaryIpAddress = e.PrimaryIp,
        PrivateIpSets = new
        {
            PrivateIpSet = new[] { new { PrivateIpAddress = e.PrimaryIp, Primary = true } }
                .Concat(e.SecondaryIps.Select(ip => new { PrivateIpAddress = ip, Primary = false })).ToList(),
        },
        DeviceId = e.InstanceId,
        Attachment = new { e.InstanceId },
        e.SubnetId,
        VpcId,
        ZoneId = _subnets[e.SubnetId].Zone,
        SecurityGroupIds = new[] { e.SecurityGroup },
        Tags = e.Tags.Select(t => new { t.Key, t.Value }).ToList(),
        CreatedAt = "2026-01-01T00:00:00+08:00",
    };

    private EmuEni NewEni(
        string id, string name, EmuSubnet subnet, string type, string mac, IEnumerable<KeyValuePair<string, string>> tags, string? securityGroup = null)
    {
        var eni = new EmuEni
        {
            Id = id,
            Name = name,
            SubnetId = subnet.Id,
            Mac = mac,
            PrimaryIp = Allocate(subnet),
            Type = type,
            SecurityGroup = securityGroup ?? SecurityGroupId,
            Tags = [.. tags],
        };
        _enis[id] = eni;
        return eni;
    }

    private EmuEni FindEni(string id) =>
        _enis.GetValueOrDefault(id) ?? throw new ApiError("InvalidEniId.NotFound", $"network interface {id} does not exist", 404);

    /// <summary>Usable addresses: all but the network address, .1 to .3 (reserved) and the broadcast address.</summary>
    private static int Capacity(EmuSubnet subnet) => (1 << (32 - subnet.Cidr.PrefixLength)) - 5;

    private static string Allocate(EmuSubnet subnet)
    {
        var bytes = subnet.Cidr.BaseAddress.GetAddressBytes();
        var network = (uint)(bytes[0] << 24 | bytes[1] << 16 | bytes[2] << 8 | bytes[3]);
        var size = 1u << (32 - subnet.Cidr.PrefixLength);
        for (var i = 4u; i < size - 1; i++)
        {
            var value = network + i;
            var ip = new IPAddress([(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value]).ToString();
            if (subnet.UsedIps.Add(ip))
            {
                return ip;
            }
        }

        throw new ApiError("InsufficientIpInSubnet", $"subnet {subnet.Id} is full");
    }

    private static bool Overlaps(IPNetwork a, IPNetwork b) => a.Contains(b.BaseAddress) || b.Contains(a.BaseAddress);

    private static (List<T> Page, int Total) Page<T>(List<T> all, ApiParameters p)
    {
        var size = Math.Clamp(p.Int("PageSize") ?? 20, 1, 100);
        var number = Math.Max(1, p.Int("PageNumber") ?? 1);
        return (all.Skip((number - 1) * size).Take(size).ToList(), all.Count);
    }

    private static string Required(ApiParameters p, string name) =>
        p.Get(name) is { Length: > 0 } value ? value : throw new ApiError("MissingParameter", $"{name} is required");

    private string NewId(string prefix) => $"{prefix}{Interlocked.Increment(ref _counter).ToString("x8", CultureInfo.InvariantCulture)}emu";

    private void Later(int delayMs, Action apply) => _ = Task.Run(async () =>
    {
        await Task.Delay(delayMs).ConfigureAwait(false);
        lock (_lock)
        {
            apply();
        }
    });
}
