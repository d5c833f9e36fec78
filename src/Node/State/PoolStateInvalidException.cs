namespace CocoonNet.Node.State;

/// <summary>
/// pool.json exists but cannot be acted on: unparsable, far too large, or holding a value no valid run writes.
/// Only a person can fix it, so nothing retries it and nothing is rebuilt over it.
/// </summary>
internal sealed class PoolStateInvalidException(string message, Exception? inner = null) : Exception(message, inner);
