using System.Net;
using Microsoft.EntityFrameworkCore;
using Newsletter.Donations;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Donations;

/// <summary>The whole service with Stripe configured against <see cref="FakeStripeApi"/> and a known webhook secret.</summary>
public class DonationsApp : NewsletterApp
{
    public FakeStripeApi Stripe { get; } = new();

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Stripe:SecretKey", "sk_test_fake_0123456789"),
        new("Stripe:WebhookSecret", StripeEvents.Secret),
        new("Stripe:ApiBase", Stripe.BaseUrl),
        new("Donations:Currencies:0", "usd"),
        new("Donations:Currencies:1", "eur"),
        new("Donations:PresetAmounts:0", "500"),
        new("Donations:PresetAmounts:1", "1000"),
        new("Donations:PresetAmounts:2", "2500"),
        new("Donations:MinAmount", "100"),
        new("Donations:MaxAmount", "500000"),
        new("Donations:WebhookMaxAttempts", "2"),
        new("Donations:WebhookRetryDelay", "00:00:00.200"),
    ];

    /// <summary>Posts a body to the webhook as Stripe would, signed unless a signature is given.</summary>
    public async Task<HttpResponseMessage> DeliverAsync(string payload, string? signature = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/webhooks/stripe") { Content = new StringContent(payload, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Stripe-Signature", signature ?? StripeEvents.Signature(payload));
        return await CreateClient().SendAsync(request);
    }

    /// <summary>Delivers a signed event and checks Stripe gets its 200.</summary>
    public async Task DeliverOkAsync(string payload)
    {
        var response = await DeliverAsync(payload);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>
    /// Stores signed events as the webhook stores them, without starting their job, so that a test applies them in one
    /// batch of its own (<see cref="StripeEventJob.ProcessManyAsync"/>). Returns their stored ids, in order.
    /// </summary>
    public Task<long[]> StoreEventsAsync(params string[] payloads) => WithDbAsync(async db =>
    {
        var rows = payloads.Select(payload =>
        {
            using var json = System.Text.Json.JsonDocument.Parse(payload);
            var root = json.RootElement;
            return new StripeWebhookEvent
            {
                EventId = root.GetProperty("id").GetString()!, Type = root.GetProperty("type").GetString()!, Payload = payload,
                StripeCreatedAt = DateTimeOffset.FromUnixTimeSeconds(root.GetProperty("created").GetInt64()).UtcDateTime, ReceivedAt = DateTime.UtcNow,
            };
        }).ToList();
        db.AddRange(rows);
        await db.SaveChangesAsync();
        return rows.Select(r => r.Id).ToArray();
    });

    /// <summary>A checkout as the donate page would have saved it, for tests about webhooks only.</summary>
    public Task<DonationCheckout> NewCheckoutAsync(long amount, string interval = "once", string? email = null, string? name = null, string? message = null) =>
        WithDbAsync(async db =>
        {
            var checkout = new DonationCheckout
            {
                Amount = amount, Currency = "usd", Interval = interval, DonorEmail = email, DonorEmailKey = email, DonorName = name, Message = message, CreatedAt = DateTime.UtcNow,
            };
            db.Add(checkout);
            await db.SaveChangesAsync();
            return checkout;
        });

    /// <summary>
    /// A monthly gift as Stripe reports its start: a checkout saved by the donate page, then its subscription session
    /// completed (with <paramref name="invoice"/> as the first invoice), applied. Returns the checkout and the subscription.
    /// </summary>
    public async Task<(DonationCheckout Checkout, string Subscription)> StartMonthlyGiftAsync(long amount, string email, string name, string? invoice = null, string? customer = null)
    {
        var checkout = await NewCheckoutAsync(amount, "month", email, name);
        var subscription = StripeEvents.NewId("sub");
        await DeliverOkAsync(StripeEvents.Event("checkout.session.completed", StripeEvents.Session(StripeEvents.NewId("cs"), checkout.PublicId, amount,
            mode: "subscription", subscription: subscription, invoice: invoice ?? StripeEvents.NewId("in"), customer: customer)));
        await AllEventsAppliedAsync();
        return (checkout, subscription);
    }

    /// <summary>A stored event not yet applied: waiting for a worker, or being applied.</summary>
    private static readonly System.Linq.Expressions.Expression<Func<StripeWebhookEvent, bool>> NotYetApplied =
        e => e.State == StripeEventState.Received || e.State == StripeEventState.Processing;

    /// <summary>Waits until no stored event is waiting or being applied; on a timeout, says which are and how far they got.</summary>
    public async Task AllEventsAppliedAsync()
    {
        try
        {
            await EventuallyAsync(async () => !await WithDbAsync(db => db.Set<StripeWebhookEvent>().AnyAsync(NotYetApplied)), "every stored Stripe event applied");
        }
        catch (TimeoutException timeout)
        {
            var waiting = await WithDbAsync(db => db.Set<StripeWebhookEvent>().AsNoTracking()
                .Where(NotYetApplied)
                .Select(e => $"{e.Id} {e.Type} {e.State}, attempts {e.Attempts}, claimed {e.ClaimedAt:O}, next {e.NextAttemptAt:O}, note {e.Note}")
                .ToListAsync());
            throw new TimeoutException($"{timeout.Message}; still waiting (now {DateTime.UtcNow:O}): {string.Join("; ", waiting)}; background: {await DescribeBackgroundWorkAsync()}", timeout);
        }
    }

    public Task<Donation?> DonationBySessionAsync(string sessionId) =>
        WithDbAsync(db => db.Set<Donation>().AsNoTracking().SingleOrDefaultAsync(d => d.StripeCheckoutSessionId == sessionId));

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing) Stripe.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
