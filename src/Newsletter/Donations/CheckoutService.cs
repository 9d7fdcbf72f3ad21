using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newsletter.Data;
using Newsletter.Links;
using Newsletter.Localization;
using Stripe;
using Stripe.Checkout;

namespace Newsletter.Donations;

/// <summary>
/// Starts a Stripe Checkout Session for a checked <see cref="CheckoutRequest"/>: one-time (mode payment) or monthly
/// (mode subscription with inline recurring price data). Our checkout row is saved first; its id is in the session's
/// metadata and derives the idempotency key, so a retried call returns the same session instead of a second one.
/// </summary>
public sealed partial class CheckoutService(
    NewsletterDb db,
    IStripeClient stripe,
    SiteLinks links,
    IOptions<SiteOptions> site,
    ReaderText text,
    TimeProvider clock,
    ILogger<CheckoutService> logger)
{
    /// <summary>Creates the session and returns Stripe's URL for it.</summary>
    /// <exception cref="StripeException">Stripe refused the request; out of reach, the HTTP client's own exception (see <see cref="StripeErrors"/>).</exception>
    public async Task<string> StartAsync(CheckoutRequest request, CancellationToken cancellationToken)
    {
        var checkout = new DonationCheckout
        {
            Amount = request.Amount,
            Currency = request.Currency,
            Interval = request.Interval,
            DonorName = request.Name,
            DonorEmail = request.Email?.Address,
            DonorEmailKey = request.Email?.Key,
            Message = request.Message,
            CampaignId = request.Campaign?.Id,
            CoveredFee = request.CoveredFee,
            CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.Add(checkout);
        await db.SaveChangesAsync(cancellationToken);

        var session = await new SessionService(stripe).CreateAsync(SessionOptions(checkout, request),
            new RequestOptions { IdempotencyKey = IdempotencyKey(checkout.PublicId) }, cancellationToken);
        checkout.StripeCheckoutSessionId = session.Id;
        await db.SaveChangesAsync(CancellationToken.None);
        LogStarted(logger, checkout.Id, session.Id, request.Total, request.Currency, request.Interval);
        return session.Url;
    }

    /// <summary>Deterministic per checkout: Stripe answers a repeat with the first session.</summary>
    public static string IdempotencyKey(Guid checkoutId) => "donation-checkout-" + checkoutId.ToString("N");

    /// <summary>What the donor reads at Stripe: "Monthly donation to X (including 0.60 USD to cover card fees)".</summary>
    private string ProductName(CheckoutRequest request)
    {
        var words = text.In(request.Language);
        var name = words[request.IsMonthly ? "Checkout.Product.Monthly" : "Checkout.Product.Once", site.Value.Name];
        if (request.Campaign is { } campaign) name = words["Checkout.Product.Campaign", name, campaign.Name];
        if (request.CoveredFee > 0) name = words["Checkout.Product.Fee", name, Money.Format(request.CoveredFee, request.Currency, words)];
        return name;
    }

    /// <summary>
    /// Our page Stripe sends the donor back to, in the language they gave in: <c>?lang=</c> only when it is not the
    /// site's (the return can come with any browser's Accept-Language).
    /// </summary>
    private string Return(string path, CheckoutRequest request) =>
        links.Absolute(ReaderLanguages.WithLanguage(path, request.Language, ReaderLanguages.Of(null, site.Value.Language)));

    private SessionCreateOptions SessionOptions(DonationCheckout checkout, CheckoutRequest request)
    {
        var metadata = new Dictionary<string, string> { [StripeEventApplier.CheckoutIdKey] = checkout.PublicId.ToString() };
        var priceData = new SessionLineItemPriceDataOptions
        {
            Currency = request.Currency,
            // The covered fee is part of the one price, so the portal can still change a monthly amount later.
            UnitAmount = request.Total,
            ProductData = new SessionLineItemPriceDataProductDataOptions { Name = ProductName(request) },
        };
        // Options left unset are not sent; setting one to null would send an empty string and clear it at Stripe.
        if (request.IsMonthly) priceData.Recurring = new SessionLineItemPriceDataRecurringOptions { Interval = "month" };
        var options = new SessionCreateOptions
        {
            Mode = request.IsMonthly ? "subscription" : "payment",
            LineItems = [new SessionLineItemOptions { Quantity = 1, PriceData = priceData }],
            SuccessUrl = Return("donate/thanks?session_id={CHECKOUT_SESSION_ID}" + (request.Campaign is { } c ? "&campaign=" + c.Slug : string.Empty), request),
            CancelUrl = Return("donate/cancelled", request),
            ClientReferenceId = checkout.PublicId.ToString(),
            Metadata = metadata,
        };
        if (request.Email is not null) options.CustomerEmail = request.Email.Address;
        if (request.IsMonthly)
        {
            options.SubscriptionData = new SessionSubscriptionDataOptions { Metadata = new Dictionary<string, string>(metadata) };
        }
        else
        {
            options.SubmitType = "donate";
            options.PaymentIntentData = new SessionPaymentIntentDataOptions { Metadata = new Dictionary<string, string>(metadata) };
        }
        return options;
    }

    [LoggerMessage(EventId = 4030, EventName = "DonationCheckoutStarted", Level = LogLevel.Information,
        Message = "Checkout {CheckoutId} started as Stripe session {SessionId}: {Amount} {Currency} ({Interval})")]
    private static partial void LogStarted(ILogger logger, long checkoutId, string sessionId, long amount, string currency, string interval);
}
