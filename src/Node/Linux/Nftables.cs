using System.Text.Json;

namespace CocoonNet.Node.Linux;

/// <summary>nftables as atomic transactions in and JSON listings out.</summary>
internal interface INftables
{
    /// <summary>One <c>nft -f -</c> transaction: the kernel applies all of it or none.</summary>
    Task ApplyAsync(string transaction, CancellationToken cancellationToken);

    /// <summary>
    /// <c>nft -j list &lt;what&gt;</c> (e.g. <c>table bridge cocoon</c>), parsed; null when the object does not exist.
    /// </summary>
    Task<JsonDocument?> ListAsync(string what, CancellationToken cancellationToken);
}

/// <summary>
/// Runs the <c>nft</c> binary. There is no maintained .NET nftables library, and nft is the maintained userspace: it
/// compiles rules (concatenations, dynamic set updates) into the kernel's expressions and sends a whole file as one
/// netlink batch, which is the atomicity the port-security step needs. Hand-built nf_tables netlink would have to
/// re-implement that compiler. The cost is one fork per transaction (a few milliseconds), paid per lease change, never
/// per packet.
/// </summary>
internal sealed class NftCommands(IProcessRunner runner) : INftables
{
    public const string Program = "nft";

    public async Task ApplyAsync(string transaction, CancellationToken cancellationToken)
    {
        var result = await Run(["-f", "-"], transaction, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"nft: {Describe(result)}");
        }
    }

    public async Task<JsonDocument?> ListAsync(string what, CancellationToken cancellationToken)
    {
        var result = await Run(["-j", "list", .. what.Split(' ')], null, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            // nft says ENOENT's text for a table, chain or set that is not there.
            if (result.StandardError.Contains("No such file or directory", StringComparison.Ordinal))
            {
                return null;
            }

            throw new InvalidOperationException($"nft list {what}: {Describe(result)}");
        }

        return JsonDocument.Parse(result.StandardOutput);
    }

    private async Task<ProcessResult> Run(IReadOnlyList<string> arguments, string? input, CancellationToken cancellationToken)
    {
        try
        {
            return await runner.RunAsync(Program, arguments, input, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException e)
        {
            throw new NftUnavailableException($"{Program} (package nftables) cannot be run: {e.Message}", e);
        }
    }

    // nft repeats the failing line and a caret line under it: the first line says what went wrong.
    private static string Describe(ProcessResult result) =>
        result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) is [var first, ..]
            ? $"exit code {result.ExitCode}: {first}"
            : result.Describe();
}

/// <summary>The nft program is not there (or cannot start): nothing of nftables can be read or changed.</summary>
internal sealed class NftUnavailableException(string message, Exception inner) : InvalidOperationException(message, inner);
