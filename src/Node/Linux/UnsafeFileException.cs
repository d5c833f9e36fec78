namespace CocoonNet.Node.Linux;

/// <summary>A path that is not the kind of file cocoon-net reads or writes there (a link, FIFO, directory, ...).</summary>
internal sealed class UnsafeFileException(string message) : IOException(message);
