using System.Globalization;

namespace CocoonNet.Emulators.Volcengine;

/// <summary>A request's decoded query parameters, with the SDKs' flattened list forms unflattened.</summary>
internal sealed class ApiParameters(IReadOnlyList<KeyValuePair<string, string>> pairs)
{
    public IReadOnlyList<KeyValuePair<string, string>> Pairs => pairs;

    public string? Get(string name) => pairs.LastOrDefault(p => p.Key == name).Value;

    public int? Int(string name) => int.TryParse(Get(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary><c>Name.1</c>, <c>Name.2</c>, ... in index order.</summary>
    public IReadOnlyList<string> List(string name) =>
        pairs.Select(p => (p, Index: IndexOf(p.Key, name + ".")))
            .Where(x => x.Index is not null && !x.p.Key[(name.Length + 1)..].Contains('.'))
            .OrderBy(x => x.Index)
            .Select(x => x.p.Value)
            .ToList();

    /// <summary><c>Tags.N.Key</c> / <c>Tags.N.Value</c>.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Tags(string name)
    {
        var result = new List<KeyValuePair<string, string>>();
        for (var i = 1; Get($"{name}.{i}.Key") is { } key; i++)
        {
            result.Add(new(key, Get($"{name}.{i}.Value") ?? ""));
        }

        return result;
    }

    /// <summary><c>TagFilters.N.Key</c> / <c>TagFilters.N.Values.M</c>.</summary>
    public IReadOnlyList<(string Key, IReadOnlyList<string> Values)> TagFilters()
    {
        var result = new List<(string, IReadOnlyList<string>)>();
        for (var i = 1; Get($"TagFilters.{i}.Key") is { } key; i++)
        {
            result.Add((key, List($"TagFilters.{i}.Values")));
        }

        return result;
    }

    /// <summary>A stable fingerprint of everything but the ClientToken, for idempotency checks.</summary>
    public string Fingerprint() => string.Join('&', pairs
        .Where(p => p.Key is not ("ClientToken" or "Action" or "Version"))
        .OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal)
        .Select(p => $"{p.Key}={p.Value}"));

    private static int? IndexOf(string key, string prefix) =>
        key.StartsWith(prefix, StringComparison.Ordinal) && int.TryParse(key.AsSpan(prefix.Length).ToString().Split('.')[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var index)
            ? index
            : null;
}

/// <summary>An OpenAPI error: code, message and the HTTP status the real gateway uses for it.</summary>
internal sealed class ApiError(string code, string message, int status = 400) : Exception(message)
{
    public string Code { get; } = code;

    public int Status { get; } = status;
}
