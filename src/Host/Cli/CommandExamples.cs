using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;

namespace CocoonNet.Host.Cli;

/// <summary>The "Examples:" section each command's --help ends with.</summary>
internal static class CommandExamples
{
    private static readonly Dictionary<string, string[]> Examples = new(StringComparer.Ordinal)
    {
        ["cocoon-net"] =
        [
            "cocoon-net init --node-name cocoon-pool --subnet 172.20.100.0/24",
            "cocoon-net adopt --node-name cocoon-pool --subnet 172.20.0.0/24 --manage-iptables",
            "cocoon-net status -o json",
            "source <(cocoon-net completion bash)",
        ],
        ["init"] =
        [
            "cocoon-net init --node-name cocoon-pool --subnet 172.20.100.0/24 --dry-run   # show the plan only",
            "cocoon-net init --node-name cocoon-pool --subnet 172.20.100.0/24",
            "cocoon-net init --platform gke --node-name pool-a --subnet 172.20.1.0/24 --pool-size 60 -v",
            "cocoon-net init --node-name cocoon-pool --subnet 172.20.3.0/24 --drop-cidr 172.20.0.0/16 --drop-cidr 10.128.0.0/9   # VMs reach neither range",
        ],
        ["adopt"] =
        [
            "cocoon-net adopt --node-name cocoon-pool --subnet 172.20.0.0/24 --dry-run",
            "cocoon-net adopt --node-name cocoon-pool --subnet 172.20.0.0/24 --manage-iptables",
            "cocoon-net adopt --node-name cocoon-pool --subnet 10.8.0.0/24 --gateway 10.8.0.254 --dns \"\"",
            "cocoon-net adopt --node-name cocoon-pool --subnet 172.20.0.0/24 --dhcp embedded --lease-time 1h   # the agent serves DHCP",
            "cocoon-net adopt --node-name cocoon-pool --subnet 172.20.0.0/24 --manage-iptables --drop-internal-access --mtu 1400",
        ],
        ["status"] =
        [
            "cocoon-net status",
            "cocoon-net status -o json",
            "cocoon-net status --state-dir /var/lib/cocoon/net",
        ],
        ["teardown"] =
        [
            "cocoon-net teardown --dry-run   # list what would be removed",
            "cocoon-net teardown",
            "cocoon-net teardown --kubernetes --node-name node-a   # also release its subnet lease",
        ],
        ["agent"] =
        [
            "cocoon-net agent                                    # serve the node in pool.json (after a reboot, say)",
            "cocoon-net agent --mode adopt --node-name cocoon-pool --subnet 172.20.0.0/24 --manage-iptables",
            "cocoon-net agent --resync 30s --cloud-check 0 --listen 127.0.0.1:9100",
            "cocoon-net agent --kubernetes --cluster-vm-cidr 172.20.0.0/16   # in a pod: configured from its Node",
            "cocoon-net daemon --metrics-addr :9092 --skip-iptables          # upstream's name and flags",
        ],
        ["plugins"] =
        [
            "cocoon-net plugins",
            "cocoon-net plugins --plugins-dir /usr/lib/cocoon-net/plugins",
        ],
        ["completion"] =
        [
            "source <(cocoon-net completion bash)                                   # this shell",
            "cocoon-net completion bash > /etc/bash_completion.d/cocoon-net        # every bash",
            "echo 'source <(cocoon-net completion zsh)' >> ~/.zshrc",
            "cocoon-net completion fish > ~/.config/fish/completions/cocoon-net.fish",
        ],
    };

    /// <summary>
    /// Makes the root's --help print, after the usual help, <paramref name="sections"/> (the plugins' options,
    /// under a heading per plugin) and then the examples of the command it describes.
    /// </summary>
    public static void AddTo(RootCommand root, Action<ParseResult, TextWriter>? sections = null)
    {
        var help = root.Options.OfType<HelpOption>().FirstOrDefault();
        if (help?.Action is HelpAction inner)
        {
            help.Action = new HelpWithExamples(inner, sections);
        }
    }

    internal sealed class HelpWithExamples(HelpAction inner, Action<ParseResult, TextWriter>? sections) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            var exit = inner.Invoke(parseResult);
            sections?.Invoke(parseResult, parseResult.InvocationConfiguration.Output);
            var command = parseResult.CommandResult.Command;
            var key = command is RootCommand ? "cocoon-net" : command.Name;
            if (Examples.TryGetValue(key, out var lines))
            {
                var output = parseResult.InvocationConfiguration.Output;
                output.WriteLine("Examples:");
                foreach (var line in lines)
                {
                    output.WriteLine($"  {line}");
                }

                output.WriteLine();
            }

            return exit;
        }
    }
}
