namespace Newsletter.Bounces;

/// <summary>
/// Which worker process reads a mailbox now. Taken and renewed with one conditional update; a worker that stops
/// lets it expire and another takes over. Two workers never scan the same mailbox at once while the lease holds.
/// </summary>
public sealed class MailboxLease
{
    /// <summary>The mailbox: "bounces" or "unsubscribe".</summary>
    public required string Name { get; set; }

    /// <summary>"machine:pid:guid" of the holder.</summary>
    public required string Holder { get; set; }

    public DateTime ExpiresAt { get; set; }

    /// <summary>When the holder last finished looking at the mailbox (for the dashboard).</summary>
    public DateTime? LastScanAt { get; set; }

    /// <summary>The last connection error, cleared by the next good scan.</summary>
    public string? LastError { get; set; }
}
