namespace Newsletter.Donations;

/// <summary>
/// What charge events told us about one payment intent (refunds, disputes), kept even before the donation it
/// belongs to is known: a refund that arrives before the checkout's completion is applied when the donation appears.
/// </summary>
public sealed class StripePaymentFacts
{
    public long Id { get; set; }
    public required string PaymentIntentId { get; set; }
    public long AmountRefunded { get; set; }
    public DisputeState Dispute { get; set; } = DisputeState.None;
    public DateTime UpdatedAt { get; set; }
    public int Version { get; set; }
}
