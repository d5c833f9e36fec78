using System.CommandLine;
using System.Text;

namespace CocoonNet.Host.Cli;

/// <summary>
/// Static completion scripts for bash, zsh and fish, generated from the command tree so they never drift
/// from the flags. Static on purpose: completing never starts the runtime or loads plugins.
/// </summary>
internal static class CompletionScripts
{
    public static readonly string[] Shells = ["bash", "zsh", "fish"];

    /// <summary>Fixed values of flags that take one of a few words.</summary>
    private static readonly Dictionary<string, string> Values = new(StringComparer.Ordinal)
    {
        ["--output"] = "text json yaml",
        ["--service-manager"] = "auto systemd process",
        ["--platform"] = "gke volcengine generic",
        ["--manage-iptables"] = "true false",
        ["--dhcp"] = "dnsmasq embedded",
        ["--vm-isolation"] = "true false",
        ["--anti-spoofing"] = "true false",
        ["--drop-internal-access"] = "true false",
        ["--drop-cidr"] = "none",
        ["--mtu"] = "auto 1460 1500 9000",
    };

    public static string For(string shell, RootCommand root) => shell switch
    {
        "bash" => Bash(root),
        // zsh runs the bash script through its bash-compatibility layer; meant to be sourced from ~/.zshrc.
        "zsh" => "# cocoon-net zsh completion: in ~/.zshrc, source <(cocoon-net completion zsh)\n"
            + "autoload -U +X compinit && compinit\nautoload -U +X bashcompinit && bashcompinit\n" + Bash(root),
        "fish" => Fish(root),
        _ => throw new ArgumentOutOfRangeException(nameof(shell), shell, null),
    };

    private static IEnumerable<Command> Commands(RootCommand root) => root.Subcommands.Where(c => !c.Hidden);

    /// <summary>A command's name and its aliases (agent's upstream name daemon), each completed as the command.</summary>
    private static IEnumerable<string> Names(Command command) => command.Aliases.Prepend(command.Name);

    private static IEnumerable<string> Flags(Command command, RootCommand root) =>
        command.Options.Concat(command == root ? [] : root.Options.Where(o => o.Recursive))
            .Where(o => !o.Hidden)
            .SelectMany(o => o.Aliases.Prepend(o.Name))
            .Where(IsPlainFlag)
            .Distinct()
            .Order(StringComparer.Ordinal);

    /// <summary>--long and -x only: the help option's -? /? /h spellings are noise on a Linux shell.</summary>
    private static bool IsPlainFlag(string alias) =>
        alias.StartsWith("--", StringComparison.Ordinal) || (alias.Length == 2 && alias[0] == '-' && char.IsAsciiLetter(alias[1]));

    private static string Bash(RootCommand root)
    {
        var s = new StringBuilder();
        s.Append("# cocoon-net bash completion: source <(cocoon-net completion bash)\n");
        s.Append("_cocoon_net() {\n");
        s.Append("  local cur=\"${COMP_WORDS[COMP_CWORD]}\" prev=\"${COMP_WORDS[COMP_CWORD-1]}\" cmd=\"\" w\n");
        s.Append("  for w in \"${COMP_WORDS[@]:1:COMP_CWORD-1}\"; do\n");
        s.Append($"    case \"$w\" in {string.Join('|', Commands(root).SelectMany(Names))}) cmd=\"$w\"; break;; esac\n");
        s.Append("  done\n");
        s.Append("  case \"$prev\" in\n");
        foreach (var (flag, values) in Values)
        {
            s.Append($"    {flag}) COMPREPLY=($(compgen -W \"{values}\" -- \"$cur\")); return;;\n");
        }

        s.Append("    --state-dir|--plugins-dir) COMPREPLY=($(compgen -d -- \"$cur\")); return;;\n");
        s.Append("    --lease-file|--control-socket|--kubeconfig) COMPREPLY=($(compgen -f -- \"$cur\")); return;;\n");
        s.Append("    completion) COMPREPLY=($(compgen -W \"" + string.Join(' ', Shells) + "\" -- \"$cur\")); return;;\n");
        s.Append("  esac\n");
        s.Append("  local words\n");
        s.Append("  case \"$cmd\" in\n");
        foreach (var command in Commands(root))
        {
            s.Append($"    {string.Join('|', Names(command))}) words=\"{string.Join(' ', Flags(command, root))}\";;\n");
        }

        s.Append($"    *) words=\"{string.Join(' ', Commands(root).SelectMany(Names).Concat(Flags(root, root)))}\";;\n");
        s.Append("  esac\n");
        s.Append("  COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n");
        s.Append("}\n");
        s.Append("complete -F _cocoon_net cocoon-net\n");
        return s.ToString();
    }

    private static string Fish(RootCommand root)
    {
        var s = new StringBuilder();
        s.Append("# cocoon-net fish completion: cocoon-net completion fish > ~/.config/fish/completions/cocoon-net.fish\n");
        s.Append("complete -c cocoon-net -f\n");
        var names = string.Join(' ', Commands(root).SelectMany(Names));
        foreach (var command in Commands(root))
        {
            var these = string.Join(' ', Names(command));
            foreach (var name in Names(command))
            {
                s.Append($"complete -c cocoon-net -n 'not __fish_seen_subcommand_from {names}' -a {name} -d '{Quote(command.Description)}'\n");
            }

            foreach (var option in command.Options.Concat(root.Options.Where(o => o.Recursive)).Where(o => !o.Hidden && o.Name.StartsWith("--", StringComparison.Ordinal)))
            {
                s.Append($"complete -c cocoon-net -n '__fish_seen_subcommand_from {these}' -l {option.Name[2..]}");
                // A long alias (--metrics-addr for --listen) is a flag of its own to fish.
                foreach (var alias in option.Aliases.Where(a => a.StartsWith("--", StringComparison.Ordinal)))
                {
                    s.Append($" -l {alias[2..]}");
                }

                if (option.Aliases.FirstOrDefault(a => a.Length == 2) is { } shortName)
                {
                    s.Append($" -s {shortName[1..]}");
                }

                if (Values.TryGetValue(option.Name, out var values))
                {
                    s.Append($" -x -a '{values}'");
                }

                s.Append($" -d '{Quote(option.Description)}'\n");
            }
        }

        s.Append("complete -c cocoon-net -n '__fish_seen_subcommand_from completion' -a 'bash zsh fish'\n");
        return s.ToString();
    }

    private static string Quote(string? text)
    {
        var line = (text ?? "").Split('\n')[0];
        return line.Replace("'", "\\'", StringComparison.Ordinal);
    }
}
