using System.Linq.Expressions;
using Newsletter.Subscribers;

namespace Newsletter.Digests;

/// <summary>
/// One digest: the articles of a period for one frequency, sent once to that frequency's audience.
/// <see cref="Key"/> is unique, so two planners racing for the same period make one issue.
/// </summary>
public sealed class DigestIssue
{
    public long Id { get; set; }
    public DigestFrequency Frequency { get; set; }

    /// <summary>"{frequency}:{previous issue id}": an issue follows exactly one predecessor, whoever plans it.</summary>
    public required string Key { get; set; }

    /// <summary>Articles published after this (exclusive)...</summary>
    public DateTime PeriodStart { get; set; }

    /// <summary>...and up to this (inclusive); the next issue starts here.</summary>
    public DateTime PeriodEnd { get; set; }

    public required string Subject { get; set; }

    /// <summary>The readers' topics this issue has articles for, comma-separated; readers with none of them get nothing.</summary>
    public string Topics { get; set; } = string.Empty;

    public DigestIssueState State { get; set; } = DigestIssueState.Planned;
    public DateTime CreatedAt { get; set; }

    /// <summary>
    /// When sending was asked for (Send now, the schedule). Written before the fan-out, so a crash between the two
    /// is finished by the recovery instead of leaving the issue Planned.
    /// </summary>
    public DateTime? SendRequestedAt { get; set; }

    public DateTime? StartedAt { get; set; }
    public DateTime? FinishedAt { get; set; }

    /// <summary>Why sending stopped (the server's reply, or who stopped it), while <see cref="State"/> is Paused.</summary>
    public string? PausedReason { get; set; }

    public DateTime? PausedAt { get; set; }

    /// <summary>The staff member or API key that paused the issue; null when the engine paused it (the server refused us).</summary>
    public string? PausedBy { get; set; }

    /// <summary>Who cancelled the issue (State Cancelled; <see cref="FinishedAt"/> says when).</summary>
    public string? CancelledBy { get; set; }

    /// <summary>
    /// Issues readers see on the site (the archive, the landing page, an issue's web version): sending, paused or sent.
    /// A planned issue is not out yet; a cancelled one was stopped by staff, usually for a mistake.
    /// </summary>
    public static readonly Expression<Func<DigestIssue, bool>> IsPublic =
        i => i.State == DigestIssueState.Sending || i.State == DigestIssueState.Paused || i.State == DigestIssueState.Sent;

    private static readonly Func<DigestIssue, bool> IsPublicCompiled = IsPublic.Compile();

    public bool Public => IsPublicCompiled(this);
}

public enum DigestIssueState
{
    /// <summary>Articles chosen; nobody has been written to the ledger yet. Can be previewed and test-sent.</summary>
    Planned = 0,
    /// <summary>The ledger is written; batches are sending.</summary>
    Sending = 1,
    /// <summary>Every delivery is in a final state (Sent, Failed, Unknown, Skipped).</summary>
    Sent = 2,
    /// <summary>
    /// Sending stopped because the server refused us (sender, content, policy) or could not be reached, or because
    /// staff paused it: nobody was blamed, the unsent rows are Pending. Staff resume it once the cause is fixed.
    /// </summary>
    Paused = 3,
    /// <summary>
    /// Staff ended a paused issue for good: its unsent readers are Skipped, it is not public, and the next issue of its
    /// frequency covers its period again, so its articles are not lost.
    /// </summary>
    Cancelled = 4,
}

/// <summary>An article in an issue, in the order the digest shows them.</summary>
public sealed class DigestIssueArticle
{
    public long IssueId { get; set; }
    public long ArticleId { get; set; }
    public int Position { get; set; }
}
