namespace CocoonNet.Node.Net;

/// <summary>The name rules the node's inputs and pool.json share: a node name, an interface name.</summary>
internal static class Names
{
    /// <summary>The bridge the node's VMs attach to.</summary>
    public const string Bridge = "cni0";

    // Plain character checks rather than regexes: the regex engine's start-up is a measurable part of a
    // no-op run, for two one-line patterns.

    /// <summary><c>^[a-z0-9]([-a-z0-9]*[a-z0-9])?$</c></summary>
    public static bool IsDnsLabel(string name) =>
        name.Length > 0 && name[0] != '-' && name[^1] != '-'
        && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-');

    /// <summary>
    /// <c>^[A-Za-z0-9_.@-]{1,15}$</c> (IFNAMSIZ less the terminator), not <c>.</c> or <c>..</c>: the kernel's
    /// dev_valid_name also refuses ':' (an alias label, not a device).
    /// </summary>
    public static bool IsInterfaceName(string name) =>
        name.Length is >= 1 and <= 15 && name is not ("." or "..")
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '@' or '-');
}
