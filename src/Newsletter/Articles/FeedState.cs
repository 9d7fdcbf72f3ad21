namespace Newsletter.Articles;

/// <summary>What we remember about a feed between polls: its validators for a conditional GET, and the last outcome.</summary>
public sealed class FeedState
{
    public long Id { get; set; }
    public required string Url { get; set; }
    public string? ETag { get; set; }
    public string? LastModified { get; set; }
    public DateTime? LastPolledAt { get; set; }
    public DateTime? LastChangedAt { get; set; }
    public string? LastError { get; set; }
}
