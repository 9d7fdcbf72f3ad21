using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Newsletter.Donations;
using Newsletter.Email;
using Newsletter.Tests.Support;
using Xunit.Abstractions;

namespace Newsletter.Tests.Donations;

/// <summary>
/// Stripe delivers at least once and in no particular order. 200 sessions' events (our checkouts, some for a campaign
/// and some with covered fees; monthly plans changed in the portal; Payment Link sessions, listed and not; a monthly
/// payment refunded and known only through its invoice's payment), each delivered three times, shuffled, sent
/// concurrently, with forged deliveries mixed in, must end in exactly one donation per paid session, the plans the
/// portal left, the campaign's raised sum, and totals equal to the sum of what was paid.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class ShuffledReplayTests(SupportersApp app, ITestOutputHelper output) : IClassFixture<SupportersApp>
{
    private const int Sessions = 200;

    private sealed record Expected(string Session, long Gross, long Refunded, bool Paid, long CoveredFee, bool ForCampaign, bool Recorded);

    [Fact]
    public async Task Two_hundred_sessions_delivered_three_times_in_random_order_end_in_exactly_one_donation_each_and_totals_equal_the_sum()
    {
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var feeCover = app.Services.GetRequiredService<IOptions<DonationOptions>>().Value.FeeCover;
        var today = DateOnly.FromDateTime(DateTime.UtcNow.AddHours(-5));
        var created = await app.CreateStaffClient().PostAsJsonAsync("/api/admin/donations/campaigns", new
        {
            slug = "replay", name = "Replay", goalAmount = 10_000_000, currency = "usd",
            startsOn = today.AddDays(-1).ToString("yyyy-MM-dd"), endsOn = today.AddDays(30).ToString("yyyy-MM-dd"),
        });
        var campaignId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64();

        var expected = new List<Expected>();
        var plans = new List<(string Subscription, RecurringPlanStatus Status, long Amount)>();
        var extraInvoices = new List<(string Invoice, long Gross)>();
        var unlisted = new List<string>();
        var deliveries = new List<string>();
        var monthStart = DateTimeOffset.UtcNow.AddMinutes(-5);
        for (var i = 0; i < Sessions; i++)
        {
            var amount = random.NextInt64(100, 50_000);
            var monthly = i % 10 == 3;
            var linked = !monthly && i % 6 == 1;
            var stranger = !monthly && !linked && i % 17 == 2;
            var (session, intent) = (StripeEvents.NewId("cs"), StripeEvents.NewId("pi"));
            var events = new List<string>();
            var email = $"donor{i}@example.org";
            if (linked || stranger)
            {
                events.Add(StripeEvents.Event("checkout.session.completed", StripeEvents.Session(session, null, amount, paymentIntent: intent, email: email,
                    paymentLink: linked ? SupportersApp.ListedLink : "plink_1SomeoneElses")));
                if (stranger) unlisted.Add(session);
                else expected.Add(new(session, amount, 0, true, 0, false, true));
                foreach (var e in events) deliveries.AddRange([e, e, e]);
                continue;
            }
            var fee = i % 3 == 0 ? feeCover.FeeFor(amount, "usd") : 0;
            var forCampaign = !monthly && i % 4 == 0;
            var checkout = await app.WithDbAsync(async db =>
            {
                var c = new DonationCheckout
                {
                    Amount = amount, CoveredFee = fee, Currency = "usd", Interval = monthly ? "month" : "once", DonorEmail = email, DonorEmailKey = email,
                    CampaignId = forCampaign ? campaignId : null, CreatedAt = DateTime.UtcNow,
                };
                db.Add(c);
                await db.SaveChangesAsync();
                return c;
            });
            var gross = amount + fee;
            var paid = true;
            long refunded = 0;
            if (monthly)
            {
                // The session and its first invoice are the same money.
                var (subscription, invoice) = (StripeEvents.NewId("sub"), StripeEvents.NewId("in"));
                events.Add(StripeEvents.Event("checkout.session.completed", StripeEvents.Session(session, checkout.PublicId, gross, mode: "subscription", subscription: subscription,
                    invoice: invoice, customer: "cus_" + i), created: monthStart));
                events.Add(StripeEvents.Event("invoice.paid", StripeEvents.Invoice(invoice, subscription, checkout.PublicId, gross, customer: "cus_" + i), created: monthStart));
                events.Add(StripeEvents.Event("customer.subscription.updated", StripeEvents.Subscription(subscription, checkout.PublicId, "active", gross, customer: "cus_" + i), created: monthStart));
                if (i % 20 == 3)
                {
                    // In the portal the donor doubles the amount, then pauses.
                    events.Add(StripeEvents.Event("customer.subscription.updated", StripeEvents.Subscription(subscription, checkout.PublicId, "active", gross, customer: "cus_" + i, quantity: 2),
                        created: monthStart.AddSeconds(1)));
                    events.Add(StripeEvents.Event("customer.subscription.paused", StripeEvents.Subscription(subscription, checkout.PublicId, "paused", gross, customer: "cus_" + i, quantity: 2),
                        created: monthStart.AddSeconds(2)));
                    plans.Add((subscription, RecurringPlanStatus.Paused, gross * 2));
                }
                else
                {
                    // A second month, refunded in full: the refund names only the payment intent, which only Stripe's invoice_payments knows.
                    var (second, secondIntent) = (StripeEvents.NewId("in"), StripeEvents.NewId("pi"));
                    app.Stripe.InvoicePayments[second] = secondIntent;
                    events.Add(StripeEvents.Event("invoice.paid", StripeEvents.Invoice(second, subscription, checkout.PublicId, gross, customer: "cus_" + i), created: monthStart.AddSeconds(30)));
                    events.Add(StripeEvents.Event("charge.refunded", StripeEvents.Charge(secondIntent, gross, gross), created: monthStart.AddSeconds(40)));
                    extraInvoices.Add((second, gross));
                    plans.Add((subscription, RecurringPlanStatus.Active, gross));
                }
            }
            else if (i % 7 == 0)
            {
                paid = false;
                events.Add(StripeEvents.Event("checkout.session.completed", StripeEvents.Session(session, checkout.PublicId, gross, "unpaid", paymentIntent: intent)));
                events.Add(StripeEvents.Event("checkout.session.async_payment_failed", StripeEvents.Session(session, checkout.PublicId, gross, "unpaid", paymentIntent: intent)));
            }
            else if (i % 5 == 0)
            {
                events.Add(StripeEvents.Event("checkout.session.completed", StripeEvents.Session(session, checkout.PublicId, gross, "unpaid", paymentIntent: intent)));
                events.Add(StripeEvents.Event("checkout.session.async_payment_succeeded", StripeEvents.Session(session, checkout.PublicId, gross, "paid", paymentIntent: intent)));
            }
            else
            {
                events.Add(StripeEvents.Event("checkout.session.completed", StripeEvents.Session(session, checkout.PublicId, gross, paymentIntent: intent)));
            }
            if (paid && !monthly && i % 11 == 0)
            {
                refunded = gross / 3;
                events.Add(StripeEvents.Event("charge.refunded", StripeEvents.Charge(intent, gross, refunded)));
            }
            expected.Add(new(session, gross, refunded, paid, fee, forCampaign, true));
            foreach (var e in events) deliveries.AddRange([e, e, e]);
        }
        // Two kinds of forgery, every one of them different from what Stripe sent: a genuine event altered after Stripe
        // signed it (a larger amount, or live mode) that still carries Stripe's signature of the original, and a
        // genuine body signed with someone else's secret.
        var forged = deliveries.Where((_, n) => n % 13 == 0).Select((genuine, n) =>
        {
            if (n % 2 == 1) return (Payload: genuine, Signature: StripeEvents.Signature(genuine, secret: "whsec_forger"), Forged: true);
            var altered = genuine.Contains("\"amount_total\":", StringComparison.Ordinal)
                ? genuine.Replace("\"amount_total\":", "\"amount_total\":1")
                : genuine.Replace("\"livemode\":false", "\"livemode\":true");
            Assert.NotEqual(genuine, altered);
            return (Payload: altered, Signature: StripeEvents.Signature(genuine), Forged: true);
        }).ToList();
        Assert.Contains(forged, f => f.Payload.Contains("\"livemode\":true", StringComparison.Ordinal));
        var all = deliveries.Select(d => (Payload: d, Signature: (string?)null, Forged: false)).Concat(forged.Select(f => (f.Payload, Signature: (string?)f.Signature, f.Forged))).ToArray();
        random.Shuffle(all);

        var statuses = new System.Collections.Concurrent.ConcurrentBag<(bool Forged, HttpStatusCode Status)>();
        await Parallel.ForEachAsync(all, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (delivery, _) =>
            statuses.Add((delivery.Forged, (await app.DeliverAsync(delivery.Payload, delivery.Signature)).StatusCode)));
        Assert.All(statuses, s => Assert.Equal(s.Forged ? HttpStatusCode.BadRequest : HttpStatusCode.OK, s.Status));
        await app.AllEventsAppliedAsync();

        var donations = await app.WithDbAsync(db => db.Set<Donation>().AsNoTracking().ToListAsync());
        var bySession = donations.Where(d => d.StripeCheckoutSessionId != null).ToLookup(d => d.StripeCheckoutSessionId!);
        Assert.Equal(expected.Count + extraInvoices.Count, donations.Count);
        foreach (var e in expected)
        {
            var donation = Assert.Single(bySession[e.Session]);
            Assert.Equal((e.Gross, e.Refunded, e.CoveredFee), (donation.Amount, donation.AmountRefunded, donation.CoveredFee));
            Assert.Equal(e.Paid ? e.Refunded > 0 ? DonationStatus.PartiallyRefunded : DonationStatus.Paid : DonationStatus.Failed, donation.Status);
            Assert.Equal(e.ForCampaign, donation.CampaignId == campaignId);
        }
        foreach (var (invoice, gross) in extraInvoices)
        {
            var donation = Assert.Single(donations, d => d.StripeInvoiceId == invoice);
            Assert.Equal((gross, gross, DonationStatus.Refunded), (donation.Amount, donation.AmountRefunded, donation.Status));
        }
        Assert.All(unlisted, s => Assert.Empty(bySession[s]));
        Assert.Equal(unlisted.Order(), await app.WithDbAsync(db => db.Set<UnmatchedStripePayment>().Select(u => u.CheckoutSessionId).OrderBy(s => s).ToListAsync()));
        var planRows = await app.WithDbAsync(db => db.Set<RecurringPlan>().AsNoTracking().ToDictionaryAsync(p => p.StripeSubscriptionId));
        foreach (var (subscription, status, amount) in plans) Assert.Equal((status, amount), (planRows[subscription].Status, planRows[subscription].Amount));

        var paidOnes = expected.Where(e => e.Paid).ToList();
        await using var scope = app.Services.CreateAsyncScope();
        var totals = await scope.ServiceProvider.GetRequiredService<DonationTotals>().ByCurrencyAsync(null, null, CancellationToken.None);
        var usd = Assert.Single(totals);
        Assert.Equal(("usd", paidOnes.Sum(e => e.Gross) + extraInvoices.Sum(x => x.Gross), paidOnes.Sum(e => e.Refunded) + extraInvoices.Sum(x => x.Gross), paidOnes.Count + extraInvoices.Count),
            (usd.Currency, usd.Gross, usd.Refunded, usd.Count));
        Assert.Equal(usd.Gross - usd.Refunded, usd.Net);
        // The campaign raised its gifts' net without the fees donors covered (Donations:FeeCover:CountTowardGoals is off).
        var campaign = await scope.ServiceProvider.GetRequiredService<Campaigns>().ByIdAsync(campaignId, CancellationToken.None);
        var progress = await scope.ServiceProvider.GetRequiredService<Campaigns>().ProgressAsync(campaign!, CancellationToken.None);
        Assert.Equal(paidOnes.Where(e => e.ForCampaign).Sum(e => e.Gross - e.Refunded - Math.Min(e.CoveredFee, e.Gross - e.Refunded)), progress.Raised);
        Assert.Equal(paidOnes.Count(e => e.ForCampaign), progress.Gifts);
        Assert.Equal(deliveries.Distinct().Count(), await app.WithDbAsync(db => db.Set<StripeWebhookEvent>().CountAsync()));
        Assert.Equal(0, await app.WithDbAsync(db => db.Set<StripeWebhookEvent>().CountAsync(e => e.State == StripeEventState.Failed)));
        // One receipt per paid donation in the outbox, never two.
        Assert.Equal(paidOnes.Count + extraInvoices.Count, await app.WithDbAsync(db => db.Set<TransactionalEmail>().CountAsync(e => e.Kind == DonationLedger.ReceiptKind)));
    }
}
