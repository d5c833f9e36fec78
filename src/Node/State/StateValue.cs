namespace CocoonNet.Node.State;

/// <summary>
/// One entry under pool.json's <c>cloud</c>: a string, or a list of strings. A list stays a JSON array
/// even with one item, so a provider's value and list keys (the contract's CloudResources.Values and
/// Lists) map to the file and back without loss.
/// </summary>
internal sealed record StateValue
{
    private StateValue(string? text, StringList? list)
    {
        Text = text;
        List = list;
    }

    /// <summary>The value when it is a string; null when it is a list.</summary>
    public string? Text { get; }

    /// <summary>The value when it is a list; null when it is a string.</summary>
    public StringList? List { get; }

    public static StateValue Of(string text) => new(text, null);

    public static StateValue Of(IEnumerable<string> list) => new(null, StringList.From(list));

    public static implicit operator StateValue(string text) => Of(text);

    public override string ToString() => Text ?? List!.ToString();
}
