namespace CocoonNet.Host;

/// <summary>Command results: stdout only. Logs go to stderr through ILogger.</summary>
internal sealed class ConsoleOutput(TextWriter writer)
{
    public void Line(string text = "") => writer.WriteLine(text);

    /// <summary>Writes <paramref name="text"/> as is (it brings its own line ends).</summary>
    public void Text(string text) => writer.Write(text);
}
