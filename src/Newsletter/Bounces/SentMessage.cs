namespace Newsletter.Bounces;

/// <summary>
/// What one outgoing message was: a digest delivery (issue and ledger row) or an outbox row (transactional email).
/// It travels, signed, in the envelope sender and the Message-ID, so a bounce names the message without any lookup table.
/// </summary>
public readonly record struct SentMessage(SentMessageKind Kind, long IssueId, long Id)
{
    public static SentMessage Delivery(long issueId, long deliveryId) => new(SentMessageKind.Delivery, issueId, deliveryId);
    public static SentMessage Outbox(long transactionalEmailId) => new(SentMessageKind.Outbox, 0, transactionalEmailId);

    public override string ToString() => Kind == SentMessageKind.Delivery ? $"delivery {Id} of issue {IssueId}" : $"outbox email {Id}";
}

public enum SentMessageKind
{
    Delivery,
    Outbox,
}
