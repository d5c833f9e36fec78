using System.Globalization;

namespace CocoonNet.Providers.Volcengine.Api;

/// <summary>
/// The flattened request parameters of one OpenAPI call, in the SDKs' wire form: lists become
/// <c>Name.1</c>, <c>Name.2</c> (1-based), lists of structs <c>Tags.1.Key</c>, nested lists
/// <c>TagFilters.1.Values.1</c>. Empty lists and null values are left out rather than sent as <c>Name=</c>.
/// </summary>
internal sealed class QueryParameters
{
    private readonly List<KeyValuePair<string, string>> _pairs = [];

    public IReadOnlyList<KeyValuePair<string, string>> Pairs => _pairs;

    public QueryParameters Add(string name, string? value)
    {
        if (value is not null)
        {
            _pairs.Add(new(name, value));
        }

        return this;
    }

    public QueryParameters Add(string name, int value) => Add(name, value.ToString(CultureInfo.InvariantCulture));

    public QueryParameters Add(string name, bool value) => Add(name, value ? "true" : "false");

    public QueryParameters AddList(string name, IEnumerable<string> values)
    {
        var index = 1;
        foreach (var value in values)
        {
            _pairs.Add(new($"{name}.{index++}", value));
        }

        return this;
    }

    public QueryParameters AddTags(string name, IEnumerable<KeyValuePair<string, string>> tags)
    {
        var index = 1;
        foreach (var (key, value) in tags)
        {
            _pairs.Add(new($"{name}.{index}.Key", key));
            _pairs.Add(new($"{name}.{index}.Value", value));
            index++;
        }

        return this;
    }

    /// <summary>Tag filters: each key with the list of values it may have.</summary>
    public QueryParameters AddTagFilters(IEnumerable<KeyValuePair<string, string>> filters)
    {
        var index = 1;
        foreach (var (key, value) in filters)
        {
            _pairs.Add(new($"TagFilters.{index}.Key", key));
            _pairs.Add(new($"TagFilters.{index}.Values.1", value));
            index++;
        }

        return this;
    }

    /// <summary>The value of <paramref name="name"/>, for logging which object a call concerns.</summary>
    public string? Get(string name) => _pairs.FirstOrDefault(p => p.Key == name).Value;
}
