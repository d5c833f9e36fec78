namespace CocoonNet.Providers.Gke;

/// <summary>A failure with a message that names the object concerned and says what to do.</summary>
public class GkeException : Exception
{
    public GkeException()
    {
    }

    public GkeException(string message)
        : base(message)
    {
    }

    public GkeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
