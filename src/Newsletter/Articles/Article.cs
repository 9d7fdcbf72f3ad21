namespace Newsletter.Articles;

/// <summary>
/// One article of the blog, from its feed or pushed by the CMS. The HTML fields are sanitised on ingest;
/// the raw originals are kept beside them for audit and are never rendered.
/// </summary>
public sealed class Article
{
    public long Id { get; set; }

    /// <summary>The feed entry's guid (or its link when it has none), or the id the CMS pushed. Unique.</summary>
    public required string ExternalId { get; set; }

    /// <summary>Where it came from: the feed URL, or "push".</summary>
    public required string Source { get; set; }

    public required string Title { get; set; }

    /// <summary>The article's absolute http(s) URL.</summary>
    public required string Link { get; set; }

    public string? Author { get; set; }
    public DateTime PublishedAt { get; set; }

    /// <summary>Sanitised HTML summary (what the digest shows).</summary>
    public string Summary { get; set; } = string.Empty;

    /// <summary>Sanitised HTML content, if the feed carries the full text.</summary>
    public string? Content { get; set; }

    /// <summary>Categories, lower case, comma-separated (matched against subscribers' topics).</summary>
    public string Categories { get; set; } = string.Empty;

    public string? ImageUrl { get; set; }

    /// <summary>The summary exactly as received, for audit. Never rendered.</summary>
    public string? RawSummary { get; set; }

    /// <summary>The content exactly as received, for audit. Never rendered.</summary>
    public string? RawContent { get; set; }

    /// <summary>Staff hid it: it goes into no digest.</summary>
    public bool Hidden { get; set; }

    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }

    /// <summary>The categories as a list.</summary>
    public IReadOnlyList<string> CategoryList => Categories.Split(',', StringSplitOptions.RemoveEmptyEntries);
}
