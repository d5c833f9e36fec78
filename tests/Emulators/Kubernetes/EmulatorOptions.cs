namespace CocoonNet.Emulators.Kubernetes;

/// <summary>Start-up settings from the command line (<c>--Key value</c>, ASP.NET configuration syntax).</summary>
internal sealed class EmulatorOptions
{
    /// <summary>
    /// How many change events the store keeps for watches that resume from a resourceVersion. Older ones are
    /// compacted away, as etcd compacts history: a watch from before the window gets 410 Gone "Expired"
    /// (api-concepts, "Efficient detection of changes": "the server ... may respond with 410 Gone").
    /// </summary>
    public int HistorySize { get; set; } = 1000;

    /// <summary>
    /// How often a watch with allowWatchBookmarks=true gets a BOOKMARK event while idle (api-concepts, "Watch
    /// bookmarks": the server sends them "periodically"; the real apiserver about once a minute).
    /// </summary>
    public int BookmarkSeconds { get; set; } = 60;
}
