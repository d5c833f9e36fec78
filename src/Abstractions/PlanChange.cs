namespace CocoonNet.Abstractions;

/// <summary>What a change does; rendered as the line's first character.</summary>
public enum ChangeKind
{
    /// <summary>A fact worth showing that changes nothing (rendered without a mark).</summary>
    Info = 0,

    /// <summary>Something is created (<c>+</c>).</summary>
    Create = 1,

    /// <summary>Something that exists is changed (<c>~</c>).</summary>
    Update = 2,

    /// <summary>Something is removed (<c>-</c>).</summary>
    Delete = 3,
}

/// <summary>
/// One change a plugin made or, on a dry run, would make. The host prints it as a line of the plan,
/// <c>+ create subnet vsw-1 (172.20.100.0/24)</c>, and reports it in machine-readable output with its fields.
/// </summary>
public sealed record PlanChange
{
    /// <summary>Create, update, delete or info.</summary>
    public required ChangeKind Kind { get; init; }

    /// <summary>The change in a few words, starting with a verb: <c>create subnet vsw-1</c>.</summary>
    public required string Subject { get; init; }

    /// <summary>Optional detail after the subject: <c>(172.20.100.0/24)</c>.</summary>
    public string? Detail { get; init; }

    /// <summary>A creation.</summary>
    public static PlanChange Create(string subject, string? detail = null) => new() { Kind = ChangeKind.Create, Subject = subject, Detail = detail };

    /// <summary>A change to something that exists.</summary>
    public static PlanChange Update(string subject, string? detail = null) => new() { Kind = ChangeKind.Update, Subject = subject, Detail = detail };

    /// <summary>A removal.</summary>
    public static PlanChange Delete(string subject, string? detail = null) => new() { Kind = ChangeKind.Delete, Subject = subject, Detail = detail };

    /// <summary>A fact that changes nothing.</summary>
    public static PlanChange Info(string subject, string? detail = null) => new() { Kind = ChangeKind.Info, Subject = subject, Detail = detail };

    /// <summary>The plan line: mark, subject, detail.</summary>
    public override string ToString()
    {
        var mark = Kind switch
        {
            ChangeKind.Create => "+ ",
            ChangeKind.Update => "~ ",
            ChangeKind.Delete => "- ",
            _ => "",
        };
        return Detail is { Length: > 0 } detail ? $"{mark}{Subject} {detail}" : $"{mark}{Subject}";
    }
}
