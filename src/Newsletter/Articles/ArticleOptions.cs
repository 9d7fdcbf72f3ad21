using System.ComponentModel.DataAnnotations;

namespace Newsletter.Articles;

/// <summary>Where articles come from and how feeds are polled.</summary>
public sealed class ArticleOptions
{
    public const string Section = "Articles";

    /// <summary>RSS 2.0 or Atom feed URLs to poll.</summary>
    public List<string> Feeds { get; set; } = [];

    /// <summary>Cron expression (UTC) for polling every feed.</summary>
    [Required]
    public string PollCron { get; set; } = "*/15 * * * *";

    /// <summary>How long one feed request may take.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The biggest feed document we read; a bigger one is refused and logged.</summary>
    [Range(1024, 100 * 1024 * 1024)]
    public int MaxFeedBytes { get; set; } = 10 * 1024 * 1024;
}
