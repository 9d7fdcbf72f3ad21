namespace Newsletter.Bounces;

/// <summary>
/// One inbound item (a message in a mailbox, a provider notification), unique by <see cref="Key"/>: its Message-ID,
/// or the provider's notification id. Written in the same transaction as the item's effect, so each takes effect once
/// however often it is read; an unreadable message is recorded here too, so it is counted once and skipped after.
/// </summary>
public sealed class InboundMessage
{
    public long Id { get; set; }

    /// <summary>"mid:{Message-ID}", "sha256:{hash of the message}" without one, "ses:{id}", "postmark:{id}", "webhook:{id}".</summary>
    public required string Key { get; set; }

    public BounceSource Source { get; set; }
    public InboundOutcome Outcome { get; set; }
    public DateTime ReceivedAt { get; set; }

    /// <summary>What was read and what was done, in a few words (no message body).</summary>
    public string? Note { get; set; }
}

public enum BounceSource
{
    Mailbox = 0,
    UnsubscribeMailbox = 1,
    Ses = 2,
    Postmark = 3,
    Webhook = 4,
}

public enum InboundOutcome
{
    /// <summary>A bounce, complaint or unsubscribe took effect.</summary>
    Applied = 0,
    /// <summary>Read and deliberately not acted on: a delay warning, an auto-reply, a positive report, a non-abuse feedback report.</summary>
    Ignored = 1,
    /// <summary>Names no message we sent (no valid token; an address we never mailed).</summary>
    Unmatched = 2,
    /// <summary>Carries a token of our shape whose signature does not verify.</summary>
    Forged = 3,
    /// <summary>A bounce of a bounce.</summary>
    Loop = 4,
    /// <summary>Could not be read (too large, broken, nothing recognisable): left in the mailbox for a person.</summary>
    Unreadable = 5,
}
