using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Donations;
using Newsletter.Email;
using Newsletter.Tests.Support;
using Xunit.Abstractions;

namespace Newsletter.Tests.Donations;

/// <summary>
/// Stripe delivers at least once and in no particular order. 200 checkouts' events, each delivered three times,
/// shuffled, sent concurrently, with forged deliveries mixed in, must end in exactly one donation per session and
/// totals equal to the sum of what was paid.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class ShuffledReplayTests(DonationsApp app, ITestOutputHelper output) : IClassFixture<DonationsApp>
{
    private const int Sessions = 200;

    [Fact]
    public async Task Two_hundred_sessions_delivered_three_times_in_random_order_end_in_exactly_one_donation_each_and_totals_equal_the_sum()
    {
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var expected = new List<(string Session, long Amount, long Refunded, bool Paid)>();
        var deliveries = new List<string>();
        for (var i = 0; i < Sessions; i++)
        {
            var amount = random.NextInt64(100, 50_000);
            var monthly = i % 10 == 3;
            var checkout = await app.NewCheckoutAsync(amount, monthly ? "month" : "once", email: $"donor{i}@example.org");
            var (session, intent) = (StripeEvents.NewId("cs"), StripeEvents.NewId("pi"));
            var events = new List<string>();
            var paid = true;
            long refunded = 0;
            if (monthly)
            {
                // The session and its first invoice are the same money.
                var (subscription, invoice) = (StripeEvents.NewId("sub"), StripeEvents.NewId("in"));
                events.Add(StripeEvents.Event("checkout.session.completed", StripeEvents.Session(session, checkout.PublicId, amount, mode: "subscription", subscription: subscription, invoice: invoice)));
                events.Add(StripeEvents.Event("invoice.paid", StripeEvents.Invoice(invoice, subscription, checkout.PublicId, amount)));
                events.Add(StripeEvents.Event("customer.subscription.updated", StripeEvents.Subscription(subscription, checkout.PublicId, "active", amount)));
            }
            else if (i % 7 == 0)
            {
                paid = false;
                events.Add(StripeEvents.Event("checkout.session.completed", StripeEvents.Session(session, checkout.PublicId, amount, "unpaid", paymentIntent: intent)));
                events.Add(StripeEvents.Event("checkout.session.async_payment_failed", StripeEvents.Session(session, checkout.PublicId, amount, "unpaid", paymentIntent: intent)));
            }
            else if (i % 5 == 0)
            {
                events.Add(StripeEvents.Event("checkout.session.completed", StripeEvents.Session(session, checkout.PublicId, amount, "unpaid", paymentIntent: intent)));
                events.Add(StripeEvents.Event("checkout.session.async_payment_succeeded", StripeEvents.Session(session, checkout.PublicId, amount, "paid", paymentIntent: intent)));
            }
            else
            {
                events.Add(StripeEvents.Event("checkout.session.completed", StripeEvents.Session(session, checkout.PublicId, amount, paymentIntent: intent)));
            }
            if (paid && !monthly && i % 11 == 0)
            {
                refunded = amount / 3;
                events.Add(StripeEvents.Event("charge.refunded", StripeEvents.Charge(intent, amount, refunded)));
            }
            expected.Add((session, amount, refunded, paid));
            foreach (var e in events) deliveries.AddRange([e, e, e]);
        }
        var forged = deliveries.Where((_, n) => n % 13 == 0).Select(e => e.Replace("\"amount_total\":", "\"amount_total\":1")).ToList();
        var all = deliveries.Select(d => (Payload: d, Forged: false)).Concat(forged.Select(f => (Payload: f, Forged: true))).ToArray();
        random.Shuffle(all);

        var statuses = new System.Collections.Concurrent.ConcurrentBag<(bool Forged, HttpStatusCode Status)>();
        await Parallel.ForEachAsync(all, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (delivery, _) =>
        {
            // A forged body carries the signature of the genuine one it was altered from: it must fail verification.
            var signature = delivery.Forged ? StripeEvents.Signature(delivery.Payload, secret: "whsec_forger") : null;
            statuses.Add((delivery.Forged, (await app.DeliverAsync(delivery.Payload, signature)).StatusCode));
        });
        Assert.All(statuses, s => Assert.Equal(s.Forged ? HttpStatusCode.BadRequest : HttpStatusCode.OK, s.Status));
        await app.AllEventsAppliedAsync();

        var donations = await app.WithDbAsync(db => db.Set<Donation>().AsNoTracking().ToListAsync());
        var bySession = donations.Where(d => d.StripeCheckoutSessionId != null).ToLookup(d => d.StripeCheckoutSessionId!);
        Assert.Equal(Sessions, donations.Count);
        foreach (var (session, amount, refunded, paid) in expected)
        {
            var donation = Assert.Single(bySession[session]);
            Assert.Equal(amount, donation.Amount);
            Assert.Equal(refunded, donation.AmountRefunded);
            Assert.Equal(paid ? refunded > 0 ? DonationStatus.PartiallyRefunded : DonationStatus.Paid : DonationStatus.Failed, donation.Status);
        }
        var paidOnes = expected.Where(e => e.Paid).ToList();
        await using var scope = app.Services.CreateAsyncScope();
        var totals = await scope.ServiceProvider.GetRequiredService<DonationTotals>().ByCurrencyAsync(null, null, CancellationToken.None);
        var usd = Assert.Single(totals);
        Assert.Equal(("usd", paidOnes.Sum(e => e.Amount), paidOnes.Sum(e => e.Refunded), paidOnes.Count), (usd.Currency, usd.Gross, usd.Refunded, usd.Count));
        Assert.Equal(usd.Gross - usd.Refunded, usd.Net);
        Assert.Equal(deliveries.Distinct().Count(), await app.WithDbAsync(db => db.Set<StripeWebhookEvent>().CountAsync()));
        Assert.Equal(0, await app.WithDbAsync(db => db.Set<StripeWebhookEvent>().CountAsync(e => e.State == StripeEventState.Failed)));
        // One receipt per paid donation in the outbox, never two.
        Assert.Equal(paidOnes.Count, await app.WithDbAsync(db => db.Set<TransactionalEmail>().CountAsync(e => e.Kind == DonationLedger.ReceiptKind)));
    }
}
