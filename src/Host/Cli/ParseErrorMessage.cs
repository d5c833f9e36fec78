using System.CommandLine;
using System.CommandLine.Parsing;

namespace CocoonNet.Host.Cli;

/// <summary>
/// Turns System.CommandLine's parse errors into the one sentence the user sees. Its own messages come in
/// batches (an unknown flag also makes its value "unrecognized", a missing command adds "required command")
/// and may name .NET types; the user gets the first real problem, said in cocoon-net's words.
/// </summary>
internal static class ParseErrorMessage
{
    public static string For(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        if (parse.UnmatchedTokens.Count > 0)
        {
            return Unmatched(parse.UnmatchedTokens[0], parse);
        }

        foreach (var error in parse.Errors)
        {
            if (error.Message.StartsWith("--", StringComparison.Ordinal))
            {
                return error.Message; // ours (OptionValues)
            }

            if (error.SymbolResult is OptionResult { Implicit: false } option)
            {
                return OptionProblem(option);
            }

            if (error.SymbolResult is ArgumentResult { Parent: CommandResult at, Tokens.Count: 0 } missing)
            {
                return $"'{CommandPath(at)}' needs its {missing.Argument.Name} argument: {missing.Argument.Description}";
            }

            if (error.SymbolResult is ArgumentResult { Parent: OptionResult { Implicit: false } parent })
            {
                return OptionProblem(parent);
            }
        }

        if (command.Subcommands.Count > 0 && command.Action is null)
        {
            return $"a command is required: {string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name))} (see 'cocoon-net --help')";
        }

        foreach (var option in command.Options.Where(o => o.Required))
        {
            if (parse.GetResult(option) is not OptionResult { Implicit: false })
            {
                return $"{option.Name} is required{(Example(option.Name) is { } example ? $" (e.g. {option.Name} {example})" : "")}";
            }
        }

        return parse.Errors.Count > 0 ? Plain(parse.Errors[0].Message) : "the command line could not be read";
    }

    private static string Unmatched(string token, ParseResult parse)
    {
        var at = parse.CommandResult;
        var path = CommandPath(at);
        var index = parse.Tokens.ToList().FindIndex(t => t.Value == token);
        if (index > 0 && parse.Tokens[index - 1] is { Type: TokenType.Option } flag
            && OptionsOf(at).FirstOrDefault(o => o.Name == flag.Value || o.Aliases.Contains(flag.Value)) is { } option
            && (option.ValueType == typeof(bool) || option.ValueType == typeof(bool?)))
        {
            return $"{option.Name} {OptionValues.Show(token)}: expected true or false (or the bare flag)";
        }

        if (token.StartsWith('-'))
        {
            var name = token.Split('=', 2)[0];
            var known = OptionsOf(at).SelectMany(o => o.Aliases.Prepend(o.Name)).Distinct();
            var hint = Suggestions.Closest(name, known) is { } closest ? $"; did you mean {closest}?" : "";
            return $"unknown option {name} for '{path}'{hint} (see '{path} --help')";
        }

        var subcommands = at.Command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name).ToList();
        if (subcommands.Count > 0)
        {
            // Aliases too, so "deamon" finds upstream's "daemon".
            var names = at.Command.Subcommands.Where(c => !c.Hidden).SelectMany(c => c.Aliases.Prepend(c.Name));
            var hint = Suggestions.Closest(token, names) is { } closest ? $"did you mean '{closest}'? " : "";
            return $"unknown command '{token}'; {hint}(commands: {string.Join(", ", subcommands)})";
        }

        return $"unexpected argument '{token}' for '{path}' (see '{path} --help')";
    }

    private static string OptionProblem(OptionResult option)
    {
        var name = option.Option.Name;
        return option.Tokens.Count switch
        {
            0 => $"{name} needs a value{(Example(name) is { } example ? $" (e.g. {name} {example})" : "")}",
            > 1 => $"{name} was given {option.Tokens.Count} values; give it once",
            _ when CliOptions.Choices.TryGetValue(name, out var choices) =>
                $"{name} {OptionValues.Show(option.Tokens[0].Value)}: use {string.Join(", ", choices[..^1])} or {choices[^1]}",
            _ => $"{name} {OptionValues.Show(option.Tokens[0].Value)} is not a valid value (see 'cocoon-net --help')",
        };
    }

    /// <summary>The command's own flags and the recursive ones of its parents.</summary>
    public static IEnumerable<Option> OptionsOf(CommandResult at)
    {
        foreach (var option in at.Command.Options)
        {
            yield return option;
        }

        for (var parent = at.Parent as CommandResult; parent is not null; parent = parent.Parent as CommandResult)
        {
            foreach (var option in parent.Command.Options.Where(o => o.Recursive))
            {
                yield return option;
            }
        }
    }

    private static string CommandPath(CommandResult at)
    {
        var names = new List<string>();
        for (var current = at; current is not null; current = current.Parent as CommandResult)
        {
            names.Insert(0, current.Parent is null ? "cocoon-net" : current.Command.Name);
        }

        return string.Join(' ', names);
    }

    private static string? Example(string option) => option switch
    {
        "--node-name" => "cocoon-pool",
        "--subnet" => "172.20.100.0/24",
        "--pool-size" => "140",
        "--gateway" => "172.20.100.1",
        "--dns" => "8.8.8.8,1.1.1.1",
        "--state-dir" => "/var/lib/cocoon/net",
        "--platform" => "gke",
        "--primary-nic" => "eth0",
        "--output" => "json",
        "--service-manager" => "process",
        "--dhcp" => "embedded",
        "--lease-time" => "24h",
        "--drop-cidr" => "10.0.0.0/8",
        "--mtu" => "1460",
        _ => null,
    };

    /// <summary>A library message without the .NET type names some of them carry.</summary>
    private static string Plain(string message)
    {
        var typeAt = message.IndexOf(" as expected type", StringComparison.Ordinal);
        var text = (typeAt > 0 ? message[..typeAt] : message).TrimEnd('.');
        return string.Join(' ', text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
    }
}
