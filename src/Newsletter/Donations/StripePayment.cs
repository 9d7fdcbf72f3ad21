namespace Newsletter.Donations;

/// <summary>
/// What one Stripe event says about one payment, in our words: which ids it carries, how much, whose, and how far
/// it got. Built from a checkout session or an invoice; applied by <see cref="DonationLedger"/>.
/// </summary>
public sealed record StripePayment(
    DonationKind Kind,
    long Amount,
    string Currency,
    PaymentOutcome Outcome,
    DateTime At,
    string? CheckoutSessionId = null,
    string? PaymentIntentId = null,
    string? InvoiceId = null,
    long? RecurringPlanId = null,
    Donor? Donor = null,
    string? Message = null,
    string? CustomerId = null,
    long? CampaignId = null,
    long CoveredFee = 0,
    bool DonorErased = false);

/// <summary>Who gave, as far as we know. Either part may be missing (offline gifts, erased donors).</summary>
public sealed record Donor(string? Name, string? Email)
{
    /// <summary>The address checked and normalised, or null when it is missing or not a valid address.</summary>
    public Email.EmailAddress? ParsedEmail => Newsletter.Email.EmailAddress.TryParse(Email, out var parsed, out _) ? parsed : null;
}

/// <summary>The result of applying one event: applied, or ignored with the reason; and a receipt to send, if one was queued.</summary>
/// <remarks>
/// <see cref="WaitsForSubscription"/> names the subscription an ignored event is about, when that subscription may
/// become ours a moment later (a Payment Link's session still on its way); <see cref="WaitsForSession"/> the checkout
/// session of an unmatched payment, which staff may adopt while its batch is still running. The job looks again once it
/// has recorded the event as ignored, so neither order loses it.
/// </remarks>
public sealed record LedgerResult(bool Applied, string? Note = null, long? ReceiptEmailId = null, string? WaitsForSubscription = null, string? WaitsForSession = null)
{
    public static LedgerResult Ignored(string reason) => new(false, reason);
}
