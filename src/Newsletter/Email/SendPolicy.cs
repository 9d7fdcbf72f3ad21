using Newsletter.Jobs;

namespace Newsletter.Email;

/// <summary>What happens to the row that tracks a message (an outbox email, a digest delivery) after a send.</summary>
public enum RowFate
{
    /// <summary>The server has it.</summary>
    Sent,

    /// <summary>Refused for good, or out of attempts. Staff can retry; see <see cref="SendDecision.Suppress"/>.</summary>
    Failed,

    /// <summary>Back to Pending, due at <see cref="SendDecision.RetryAt"/>; the attempt counts.</summary>
    RetryLater,

    /// <summary>Back to Pending at once (it never reached the server); the attempt does not count.</summary>
    TryAgainNow,

    /// <summary>
    /// Back to Pending, the attempt does not count, and sending holds: the server refuses us (sender, content, policy),
    /// so nothing else will go either until a person looks. Nobody is blamed.
    /// </summary>
    HoldForSender,

    /// <summary>The server may or may not have it: reported, never sent again by itself.</summary>
    Unknown,
}

/// <summary>The fate of a row, when it is due again, and whether its address goes on the suppression list.</summary>
public sealed record SendDecision(RowFate Fate, DateTime? RetryAt, bool Suppress);

/// <summary>
/// The one policy for "what now" after a send, shared by the outbox and the digests. Only a recipient refused for good
/// is suppressed; a message that may have arrived (Unknown) is never sent again automatically; a message that never
/// reached the server goes again without costing the reader an attempt.
/// </summary>
public static class SendPolicy
{
    /// <param name="result">What the send came to.</param>
    /// <param name="attempts">The row's attempts, this one included.</param>
    /// <param name="retry">Attempts and backoff for temporary refusals.</param>
    /// <param name="now">The time of the decision (UTC).</param>
    public static SendDecision Decide(SendResult result, int attempts, RetryPolicy retry, DateTime now) => result.Outcome switch
    {
        SendOutcome.Accepted => new(RowFate.Sent, null, false),
        SendOutcome.RecipientRefused => new(RowFate.Failed, null, true),
        SendOutcome.RecipientFailed or SendOutcome.Invalid => new(RowFate.Failed, null, false),
        SendOutcome.Deferred when retry.MayRetry(attempts) => new(RowFate.RetryLater, retry.NextDue(attempts, now), false),
        SendOutcome.Deferred => new(RowFate.Failed, null, false),
        SendOutcome.NotHandedOver => new(RowFate.TryAgainNow, null, false),
        SendOutcome.SenderRefused => new(RowFate.HoldForSender, null, false),
        SendOutcome.Unknown => new(RowFate.Unknown, null, false),
        _ => throw new ArgumentOutOfRangeException(nameof(result), result.Outcome, "Unknown send outcome."),
    };
}
