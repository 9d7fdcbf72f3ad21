using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Newsletter.Donations;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Donations;

/// <summary>Money rules of the ledger: a lost dispute comes off the net, a monthly payment's refund finds its donation, same-second events settle the same in any order.</summary>
[Collection(HostCollection.Name)]
public sealed class LedgerRulesTests(DonationsApp app) : IClassFixture<DonationsApp>
{
    [Fact]
    public async Task A_lost_dispute_is_subtracted_from_net_totals_and_a_won_one_is_not()
    {
        var staff = app.CreateStaffClient();
        var range = "from=2031-03-01&to=2031-04-01";
        var paidAt = new DateTimeOffset(2031, 3, 10, 12, 0, 0, TimeSpan.Zero);
        foreach (var (amount, refunded, outcome) in new[] { (5000L, 1000L, "lost"), (3000L, 0L, "won"), (2000L, 0L, (string?)null) })
        {
            var checkout = await app.NewCheckoutAsync(amount);
            var (session, intent) = (StripeEvents.NewId("cs"), StripeEvents.NewId("pi"));
            await app.DeliverOkAsync(StripeEvents.Event("checkout.session.completed", StripeEvents.Session(session, checkout.PublicId, amount, paymentIntent: intent), created: paidAt));
            if (refunded > 0) await app.DeliverOkAsync(StripeEvents.Event("charge.refunded", StripeEvents.Charge(intent, amount, refunded), created: paidAt.AddDays(1)));
            if (outcome is not null)
            {
                await app.DeliverOkAsync(StripeEvents.Event("charge.dispute.created", StripeEvents.Dispute(intent, amount - refunded, "needs_response"), created: paidAt.AddDays(2)));
                await app.DeliverOkAsync(StripeEvents.Event("charge.dispute.closed", StripeEvents.Dispute(intent, amount - refunded, outcome), created: paidAt.AddDays(9)));
            }
        }
        await app.AllEventsAppliedAsync();

        var totals = await staff.GetFromJsonAsync<JsonElement>("/api/admin/donations/totals?" + range);
        var usd = Assert.Single(totals.GetProperty("byCurrency").EnumerateArray());
        // Gross 100.00, refunded 10.00, lost to the dispute what was left of that gift (40.00): 50.00 arrived and stayed.
        Assert.Equal((10000L, 1000L, 4000L, 5000L), (usd.GetProperty("gross").GetInt64(), usd.GetProperty("refunded").GetInt64(),
            usd.GetProperty("lostToDisputes").GetInt64(), usd.GetProperty("net").GetInt64()));
        Assert.Equal(5000, totals.GetProperty("byPeriod")[0].GetProperty("net").GetInt64());
        var csv = await (await staff.GetAsync("/api/admin/donations/export?" + range)).Content.ReadAsStringAsync();
        Assert.Contains(",disputed,50.00,10.00,0.00,USD,", csv);
    }

    [Fact]
    public async Task A_refund_and_a_dispute_of_a_monthly_payment_find_their_donation_through_the_invoice_payment_stripe_names()
    {
        var checkout = await app.NewCheckoutAsync(1200, "month", email: "monthly-refund@example.org");
        var (subscription, invoice, intent) = (StripeEvents.NewId("sub"), StripeEvents.NewId("in"), StripeEvents.NewId("pi"));
        // Stripe's invoice.paid does not list the invoice's payments unless asked; Stripe's invoice_payments list does.
        app.Stripe.InvoicePayments[invoice] = intent;
        app.Stripe.Clear();
        // The refund arrives first, known only by its payment intent.
        await app.DeliverOkAsync(StripeEvents.Event("charge.refunded", StripeEvents.Charge(intent, 1200, 1200)));
        await app.AllEventsAppliedAsync();
        await app.DeliverOkAsync(StripeEvents.Event("invoice.paid", StripeEvents.Invoice(invoice, subscription, checkout.PublicId, 1200)));
        await app.AllEventsAppliedAsync();

        var donation = await app.WithDbAsync(db => db.Set<Donation>().AsNoTracking().SingleAsync(d => d.StripeInvoiceId == invoice));
        Assert.Equal((intent, 1200L, DonationStatus.Refunded), (donation.StripePaymentIntentId, donation.AmountRefunded, donation.Status));
        var asked = Assert.Single(app.Stripe.Requests, r => r.Path == "/v1/invoice_payments");
        Assert.Equal("GET", asked.Method);
        Assert.Equal(new Dictionary<string, string> { ["invoice"] = invoice, ["limit"] = "10", ["status"] = "paid" }, asked.QueryForm.OrderBy(p => p.Key).ToDictionary());

        // A later dispute of the same monthly payment lands on it too.
        await app.DeliverOkAsync(StripeEvents.Event("charge.dispute.created", StripeEvents.Dispute(intent, 1200, "needs_response")));
        await app.AllEventsAppliedAsync();
        Assert.Equal(DonationStatus.Disputed, (await app.WithDbAsync(db => db.Set<Donation>().AsNoTracking().SingleAsync(d => d.StripeInvoiceId == invoice))).Status);
    }

    [Fact]
    public async Task An_invoice_payload_that_lists_its_payment_intent_is_not_looked_up()
    {
        var checkout = await app.NewCheckoutAsync(900, "month");
        var (subscription, invoice, intent) = (StripeEvents.NewId("sub"), StripeEvents.NewId("in"), StripeEvents.NewId("pi"));
        app.Stripe.Clear();
        await app.DeliverOkAsync(StripeEvents.Event("invoice.paid", StripeEvents.Invoice(invoice, subscription, checkout.PublicId, 900, paymentIntent: intent)));
        await app.AllEventsAppliedAsync();
        Assert.Equal(intent, (await app.WithDbAsync(db => db.Set<Donation>().AsNoTracking().SingleAsync(d => d.StripeInvoiceId == invoice))).StripePaymentIntentId);
        Assert.DoesNotContain(app.Stripe.Requests, r => r.Path == "/v1/invoice_payments");
    }

    [Theory]
    [InlineData("past_due", 1500L, "active", 2500L)]
    [InlineData("active", 1000L, "paused", 1000L)]
    public async Task Two_subscription_events_of_the_same_second_end_the_same_whichever_arrives_first(string firstStatus, long firstAmount, string secondStatus, long secondAmount)
    {
        var second = DateTimeOffset.UtcNow.AddMinutes(-3);
        var results = new List<(RecurringPlanStatus, long)>();
        foreach (var reversed in new[] { false, true })
        {
            var checkout = await app.NewCheckoutAsync(1000, "month");
            var subscription = StripeEvents.NewId("sub");
            var a = StripeEvents.Event("customer.subscription.updated", StripeEvents.Subscription(subscription, checkout.PublicId, firstStatus, firstAmount), created: second);
            var b = StripeEvents.Event("customer.subscription.updated", StripeEvents.Subscription(subscription, checkout.PublicId, secondStatus, secondAmount), created: second);
            foreach (var payload in reversed ? new[] { b, a } : [a, b])
            {
                await app.DeliverOkAsync(payload);
                await app.AllEventsAppliedAsync();
            }
            var plan = await app.WithDbAsync(db => db.Set<RecurringPlan>().AsNoTracking().SingleAsync(p => p.StripeSubscriptionId == subscription));
            results.Add((plan.Status, plan.Amount));
        }
        Assert.Equal(results[0], results[1]);
    }
}
