namespace Newsletter.Donations;

/// <summary>
/// How one payment event's figures merge into its donation, whatever order events come in: each field takes a value
/// that does not depend on which event came last (the larger, or the first one known).
/// </summary>
public static class PaymentMerge
{
    public static void Apply(Donation donation, StripePayment payment)
    {
        // A monthly payment stays monthly whichever of its events (session or invoice) came first.
        if (payment.Kind > donation.Kind) donation.Kind = payment.Kind;
        var wasPaid = donation.Outcome == PaymentOutcome.Paid;
        if (payment.Outcome == PaymentOutcome.Paid)
        {
            // The paid amount is Stripe's final word; two paid events of one payment (session and invoice) that
            // disagree settle on the larger, so the order they arrive in cannot matter.
            donation.Amount = wasPaid ? Math.Max(donation.Amount, payment.Amount) : payment.Amount;
            donation.Currency = payment.Currency;
        }
        else if (!wasPaid && payment.Amount > donation.Amount)
        {
            // A pending or failed event's amount is only a placeholder until the money arrives.
            donation.Amount = payment.Amount;
            donation.Currency = payment.Currency;
        }
        donation.StripeCustomerId ??= payment.CustomerId;
        donation.CampaignId ??= payment.CampaignId;
        donation.CoveredFee = Math.Min(Math.Max(donation.CoveredFee, payment.CoveredFee), donation.Amount);
    }
}
