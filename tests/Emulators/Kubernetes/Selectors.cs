using System.Text.Json.Nodes;

namespace CocoonNet.Emulators.Kubernetes;

/// <summary>
/// labelSelector and fieldSelector of LIST and WATCH (kubernetes.io/docs/concepts/overview/working-with-objects/
/// labels and field-selectors). Only the equality forms are modelled: <c>k=v</c>, <c>k==v</c>, <c>k!=v</c>, and for
/// labels the bare <c>k</c> / <c>!k</c> existence tests; set-based <c>in</c>/<c>notin</c> is answered 400 so a test
/// that needs it fails loudly. Fields: metadata.name and metadata.namespace (what every resource supports).
/// </summary>
internal sealed class Selector
{
    private readonly List<(string Key, string? Value, bool Negated)> _labels = [];
    private readonly List<(string Field, string Value, bool Negated)> _fields = [];

    public static Selector Everything { get; } = new();

    /// <summary>Null and an error message when a selector is outside the modelled subset.</summary>
    public static (Selector? Selector, string? Error) Parse(string? labelSelector, string? fieldSelector)
    {
        var s = new Selector();
        foreach (var term in Terms(labelSelector))
        {
            if (term.Contains(" in ", StringComparison.Ordinal) || term.Contains(" notin ", StringComparison.Ordinal) || term.Contains('(', StringComparison.Ordinal))
            {
                return (null, $"unsupported label selector \"{term}\": the emulator models equality selectors only");
            }

            if (Split(term) is { } eq)
            {
                s._labels.Add(eq);
            }
            else if (term.StartsWith('!'))
            {
                s._labels.Add((term[1..], null, true));
            }
            else
            {
                s._labels.Add((term, null, false));
            }
        }

        foreach (var term in Terms(fieldSelector))
        {
            if (Split(term) is not { Value: { } value } eq || (eq.Key != "metadata.name" && eq.Key != "metadata.namespace"))
            {
                return (null, $"field label not supported: {term}");
            }

            s._fields.Add((eq.Key, value, eq.Negated));
        }

        return (s, null);
    }

    public bool Matches(JsonObject obj)
    {
        var metadata = obj["metadata"] as JsonObject;
        var labels = metadata?["labels"] as JsonObject;
        foreach (var (key, value, negated) in _labels)
        {
            var actual = labels?[key]?.GetValue<string>();
            var ok = value is null ? actual is not null : actual == value;
            if (ok == negated)
            {
                return false;
            }
        }

        foreach (var (field, value, negated) in _fields)
        {
            var actual = metadata?[field["metadata.".Length..]]?.GetValue<string>() ?? "";
            if ((actual == value) == negated)
            {
                return false;
            }
        }

        return true;
    }

    private static string[] Terms(string? selector) =>
        (selector ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static (string Key, string? Value, bool Negated)? Split(string term)
    {
        foreach (var (op, negated) in new[] { ("!=", true), ("==", false), ("=", false) })
        {
            var i = term.IndexOf(op, StringComparison.Ordinal);
            if (i > 0)
            {
                return (term[..i].Trim(), term[(i + op.Length)..].Trim(), negated);
            }
        }

        return null;
    }
}
