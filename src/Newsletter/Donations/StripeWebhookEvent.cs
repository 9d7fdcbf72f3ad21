namespace Newsletter.Donations;

/// <summary>
/// A verified Stripe event as it arrived: the raw JSON, unique by Stripe's event id. The webhook stores it and
/// answers at once; <see cref="StripeEventJob"/> applies it. Failed events stay here with their error for staff.
/// </summary>
public sealed class StripeWebhookEvent
{
    public long Id { get; set; }

    /// <summary>Stripe's id (evt_...): unique, so a repeated delivery stores nothing.</summary>
    public required string EventId { get; set; }

    public required string Type { get; set; }

    /// <summary>When Stripe created the event (UTC).</summary>
    public DateTime StripeCreatedAt { get; set; }

    public DateTime ReceivedAt { get; set; }

    /// <summary>
    /// The exact body Stripe signed, until the event is applied; then only its ids, amounts and states
    /// (<see cref="StripePayloadRedactor"/>), and the row is deleted after Donations:WebhookEventRetention.
    /// </summary>
    public required string Payload { get; set; }

    /// <summary>When <see cref="Payload"/> was cut down to ids and amounts (applied, or its donor erased); null: still as signed.</summary>
    public DateTime? PayloadRedactedAt { get; set; }

    public StripeEventState State { get; set; } = StripeEventState.Received;
    public int Attempts { get; set; }
    public DateTime? NextAttemptAt { get; set; }
    public DateTime? ClaimedAt { get; set; }

    /// <summary>Which run claimed it (one per claim): the claimant reads back its own rows by this, as deliveries do.</summary>
    public Guid? ClaimToken { get; set; }
    public DateTime? ProcessedAt { get; set; }

    /// <summary>Why processing failed, or why the event was ignored.</summary>
    public string? Note { get; set; }
}

public enum StripeEventState
{
    Received = 0,
    Processing = 1,
    Processed = 2,
    /// <summary>Stored and deliberately not applied: an unknown type, or about a payment we did not create.</summary>
    Ignored = 3,
    /// <summary>Failed after the last attempt: staff see it and can retry it.</summary>
    Failed = 4,
}
