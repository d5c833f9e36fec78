namespace CocoonNet.Host;

/// <summary>The exit codes every command documents.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;

    /// <summary>status: the node is set up but something is missing or down (see its problems).</summary>
    public const int Degraded = 3;

    /// <summary>status: no pool state, the node was never set up (or was torn down).</summary>
    public const int NoState = 4;
}
