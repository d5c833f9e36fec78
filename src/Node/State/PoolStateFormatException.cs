using System.Text.Json;

namespace CocoonNet.Node.State;

/// <summary>
/// A pool.json value of the wrong shape, in the file's terms. The serializer adds where it was found
/// (<see cref="JsonException.Path"/>, line) to this same exception.
/// </summary>
internal sealed class PoolStateFormatException(string message) : JsonException(message)
{
    /// <summary>
    /// One clause for an operator: what is wrong, at which key, on which line. The serializer's own
    /// messages name .NET types, so they are replaced by the file's terms.
    /// </summary>
    public static string Describe(JsonException e)
    {
        var what = e switch
        {
            PoolStateFormatException => e.Message,
            // The reader's syntax errors ("'n' is an invalid start of a value. LineNumber: ...") say it all.
            { InnerException: JsonException syntax } => syntax.Message,
            { Path: null or "$" } => "expected a JSON object",
            _ => "a value of the wrong kind",
        };
        if (e.InnerException is JsonException)
        {
            return what;
        }

        var key = e.Path is { Length: > 2 } path ? $" at '{path[2..]}'" : "";
        var line = e.LineNumber is { } number ? $" (line {number + 1})" : "";
        return what + key + line;
    }
}
