namespace Newsletter.Email;

/// <summary>
/// One transactional email (confirmation, goodbye, receipt...) in the outbox. It is written in the same transaction
/// as the change that causes it, then a job sends it; so a crash between the two loses nothing.
/// </summary>
public sealed class TransactionalEmail
{
    public long Id { get; set; }

    /// <summary>Which composer builds it, e.g. "subscriber.confirm". See <see cref="ITransactionalEmailComposer"/>.</summary>
    public required string Kind { get; set; }

    /// <summary>What the email is about (a subscriber id, a donation id...), read by the composer.</summary>
    public long SubjectId { get; set; }

    /// <summary>With <see cref="Kind"/>, unique: an email that must go once (a receipt) carries one.</summary>
    public string? OnceKey { get; set; }

    public required string Recipient { get; set; }
    public TransactionalEmailState State { get; set; } = TransactionalEmailState.Pending;
    public int Attempts { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime? NextAttemptAt { get; set; }
    public DateTime? ClaimedAt { get; set; }

    /// <summary>
    /// The process that claimed it (<see cref="Workers.ThisWorker"/>): once that process is gone (its lock file free, its
    /// heartbeat stopped), a sweep settles the row at once instead of after the lease.
    /// </summary>
    public Guid? ClaimedBy { get; set; }

    /// <summary>
    /// When this claim's message went to a connection (null: not yet). A row its worker left in Sending without it never
    /// left, and goes again; with it, the server may have the message, and it is Unknown.
    /// </summary>
    public DateTime? HandedOverAt { get; set; }
    public DateTime? SentAt { get; set; }
    public int? SmtpStatus { get; set; }
    public string? LastError { get; set; }
}

public enum TransactionalEmailState
{
    Pending = 0,
    Sending = 1,
    Sent = 2,
    Failed = 3,
    /// <summary>Nothing to send any more (the reader left, was erased, or is suppressed).</summary>
    Skipped = 4,
    /// <summary>A worker died (or its connection failed) while the message was on the wire: the server may or may not have it. Reported, never resent by itself; staff may send it again (the reader may get two).</summary>
    Unknown = 5,
}
