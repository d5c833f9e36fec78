using System.Text.Json;
using System.Text.Json.Nodes;

namespace CocoonNet.Tests.Support;

/// <summary>What the bridge plugin's ADD made: the VM's namespace, the host end of the veth on cni0, the VM's MAC.</summary>
internal sealed record CniAttachment(string Vm, string ContainerId, string HostPort, string Mac, string Network);

/// <summary>
/// The reference CNI bridge plugin (containernetworking-plugins, <c>/usr/lib/cni/bridge</c>) run as the cocoon engine
/// runs it: in the node's namespace, the CNI_* variables in the environment, and on stdin the network configuration
/// the runtime derives from the conflist cocoon-net wrote (the bridge plugin's object plus the list's name and
/// cniVersion). So the tests see what a real VM plug sees, not what the test thinks the conflist says.
/// </summary>
internal static class CniBridgePlugin
{
    public const string Directory = "/usr/lib/cni";

    public static string Binary => Path.Combine(Directory, "bridge");

    /// <summary>Why the plugin cannot run here, or null.</summary>
    public static string? WhyMissing() => File.Exists(Binary) ? null : $"{Binary} is missing (containernetworking-plugins, make deps-system)";

    /// <summary>The conflist cocoon-net wrote into the sandbox (one per DHCP backend; exactly one is there).</summary>
    public static string ConflistPath(Sandbox sandbox)
    {
        var directory = sandbox.PathOf("/etc/cni/net.d");
        var lists = System.IO.Directory.Exists(directory) ? System.IO.Directory.GetFiles(directory, "*.conflist") : [];
        return lists.Length == 1
            ? lists[0]
            : throw new InvalidOperationException($"expected one conflist in {directory}, found [{string.Join(", ", lists.Select(Path.GetFileName))}]");
    }

    /// <summary>The conflist's bridge plugin object (what carries mtu, portIsolation, macspoofchk).</summary>
    public static JsonObject BridgeObject(Sandbox sandbox) =>
        Plugins(JsonNode.Parse(File.ReadAllText(ConflistPath(sandbox)))!.AsObject())
            .Single(p => (string?)p["type"] == "bridge");

    /// <summary>The network configuration a runtime hands the plugin: its object, plus the list's name and version.</summary>
    public static (string Json, string Network) NetworkConfiguration(Sandbox sandbox)
    {
        var list = JsonNode.Parse(File.ReadAllText(ConflistPath(sandbox)))!.AsObject();
        var plugin = Plugins(list).Single(p => (string?)p["type"] == "bridge").DeepClone().AsObject();
        var network = (string?)list["name"] ?? throw new InvalidOperationException("the conflist has no name");
        plugin["name"] = network;
        plugin["cniVersion"] = (string?)list["cniVersion"];
        return (plugin.ToJsonString(), network);
    }

    /// <summary>CNI ADD: plugs <paramref name="vm"/>'s <paramref name="interfaceName"/> into cni0; fails the test otherwise.</summary>
    public static CniAttachment Add(Sandbox sandbox, string vm, string interfaceName = "eth0")
    {
        var (json, network) = NetworkConfiguration(sandbox);
        var result = Invoke(sandbox, "ADD", vm, interfaceName, json);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"CNI ADD of {vm} failed: {result}");
        }

        // A CNI 1.0 result: the bridge, the host end (no sandbox) and the VM's end (its sandbox the netns path).
        var interfaces = JsonNode.Parse(result.Stdout)!["interfaces"]!.AsArray().Select(i => i!.AsObject()).ToList();
        var vmEnd = interfaces.Single(i => i["sandbox"] is not null);
        var hostEnd = interfaces.Single(i => i["sandbox"] is null && (string?)i["name"] != "cni0");
        return new CniAttachment(vm, vm, (string)hostEnd["name"]!, ((string)vmEnd["mac"]!).ToLowerInvariant(), network);
    }

    /// <summary>CNI DEL, as the engine runs it when a VM goes (the VM namespace stays; only the plug goes).</summary>
    public static CommandResult Del(Sandbox sandbox, CniAttachment attachment, string interfaceName = "eth0") =>
        Invoke(sandbox, "DEL", attachment.Vm, interfaceName, NetworkConfiguration(sandbox).Json);

    private static CommandResult Invoke(Sandbox sandbox, string command, string vm, string interfaceName, string configuration)
    {
        // ip netns exec runs the plugin in the node, where cni0 is; CNI_NETNS names the VM's namespace by its path.
        var input = Path.Combine(sandbox.Root, $"cni-{command.ToLowerInvariant()}-{vm}.json");
        File.WriteAllText(input, configuration);
        var environment = new Dictionary<string, string>
        {
            ["CNI_COMMAND"] = command,
            ["CNI_CONTAINERID"] = vm,
            ["CNI_NETNS"] = $"/var/run/netns/{vm}",
            ["CNI_IFNAME"] = interfaceName,
            ["CNI_PATH"] = Directory,
            ["CNI_INPUT"] = input,
        };
        try
        {
            return Shell.Run("ip", ["netns", "exec", sandbox.Node, "sh", "-c", $"exec {Binary} < \"$CNI_INPUT\""], environment, TimeSpan.FromSeconds(30));
        }
        finally
        {
            File.Delete(input);
        }
    }

    private static IEnumerable<JsonObject> Plugins(JsonObject list) =>
        list["plugins"]?.AsArray().Select(p => p!.AsObject()) ?? throw new JsonException("the conflist has no plugins");
}
