using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Donations;
using Newsletter.Email;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Donations;

/// <summary>Stripe answers within a second or counts as failed (Stripe.net then tries twice more), so a hung Stripe is quick to see.</summary>
public sealed class StripeOutageApp : DonationsApp
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings => base.Settings.Concat([new("Stripe:RequestTimeoutSeconds", "1")]);
}

/// <summary>
/// Stripe out of reach: a connection dropped before any answer, or no answer at all. Stripe.net throws its
/// StripeException only when Stripe answers; otherwise the HTTP client's own exception comes through unwrapped. Each
/// caller still treats it as Stripe failing: the donor gets the "try again" page, not a 500; an
/// event whose lookup at Stripe timed out fails alone and is tried again; a plan that could not be cancelled is flagged.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class StripeOutageTests(StripeOutageApp app) : IClassFixture<StripeOutageApp>
{
    [Theory]
    [InlineData("down")]
    [InlineData("hung")]
    public async Task A_donor_whose_checkout_cannot_reach_stripe_gets_the_try_again_page_saying_nothing_was_charged(string outage)
    {
        app.Stripe.Clear();
        using var _ = Outage(outage);
        var response = await app.CreateReaderClient().GetAsync("/donate/checkout?amount=2500");
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Contains("nothing was charged", await response.Content.ReadAsStringAsync());
        // Stripe.net's own retries: three tries, one idempotency key.
        var tries = app.Stripe.Requests.Where(r => r.Path == "/v1/checkout/sessions").ToList();
        Assert.Equal(3, tries.Count);
        Assert.Single(tries.Select(r => r.Headers["Idempotency-Key"]).Distinct());
    }

    [Fact]
    public async Task A_donor_whose_billing_portal_cannot_reach_stripe_gets_the_try_again_page()
    {
        var invoice = StripeEvents.NewId("in");
        var (checkout, subscription) = await app.StartMonthlyGiftAsync(1000, "portal@outage.example", "Portal Donor", invoice, customer: "cus_outage1");
        await app.DeliverOkAsync(StripeEvents.Event("invoice.paid", StripeEvents.Invoice(invoice, subscription, checkout.PublicId, 1000, paymentIntent: StripeEvents.NewId("pi"), customer: "cus_outage1")));
        await app.AllEventsAppliedAsync();
        var link = Mail.Link(await app.Smtp.WaitForMessageToAsync("portal@outage.example"), "/donate/manage/");
        using (Outage("down"))
        {
            var opened = await app.CreateReaderClient().PostAsync(link + "/portal", new FormUrlEncodedContent([new("customer", "cus_outage1")]));
            Assert.Equal(HttpStatusCode.BadGateway, opened.StatusCode);
            Assert.Contains("We could not reach our payment provider just now", await opened.Content.ReadAsStringAsync());
        }
    }

    [Fact]
    public async Task A_monthly_payment_whose_lookup_at_stripe_times_out_fails_alone_and_is_applied_once_stripe_answers()
    {
        var (checkout, subscription) = await app.StartMonthlyGiftAsync(1200, "monthly@outage.example", "Monthly Donor");
        var (second, intent) = (StripeEvents.NewId("in"), StripeEvents.NewId("pi"));
        app.Stripe.InvoicePayments[second] = intent;
        var paid = StripeEvents.Event("invoice.paid", StripeEvents.Invoice(second, subscription, checkout.PublicId, 1200));
        StripeWebhookEvent stored;
        using (Outage("hung"))
        {
            await app.DeliverOkAsync(paid);
            // The invoice's payments are asked of Stripe, which does not answer: the event fails with that, on its own,
            // and waits for its retry. Before, the timeout escaped as a cancellation: the batch stopped, and the event sat
            // in Processing with no note for the five-minute lease, never counting towards Failed.
            await NewsletterApp.EventuallyAsync(async () => (await EventAsync(paid)).Note?.Contains("HttpClient.Timeout") == true,
                "the event to fail with Stripe's timeout", TimeSpan.FromSeconds(60));
            stored = await EventAsync(paid);
            Assert.NotEqual(StripeEventState.Processing, stored.State);
        }
        if (stored.State == StripeEventState.Failed)
            Assert.Equal(HttpStatusCode.Accepted, (await app.CreateStaffClient().PostAsync($"/api/admin/donations/webhook-events/{stored.Id}/retry", null)).StatusCode);
        await app.AllEventsAppliedAsync();
        Assert.Equal(StripeEventState.Processed, (await EventAsync(paid)).State);
        var donation = await app.WithDbAsync(db => db.Set<Donation>().AsNoTracking().SingleAsync(d => d.StripeInvoiceId == second));
        Assert.Equal((intent, 1200L, DonationStatus.Paid), (donation.StripePaymentIntentId, donation.Amount, donation.Status));
    }

    [Fact]
    public async Task A_monthly_payment_refunded_before_its_invoice_gets_no_receipt_when_its_lookup_at_stripe_fails_and_ends_refunded()
    {
        // Since the basil API an invoice.paid does not name its payment: the refund (known only by payment intent)
        // can come first, and the payment is matched to it through Stripe. While Stripe is out of reach nothing of the
        // payment may be recorded: recorded Paid without its payment intent, it would be thanked for money returned.
        const string donor = "refunded-monthly@outage.example";
        var (checkout, subscription) = await app.StartMonthlyGiftAsync(1200, donor, "Refunded Monthly");
        await app.Smtp.WaitForMessageToAsync(donor);
        var (second, intent) = (StripeEvents.NewId("in"), StripeEvents.NewId("pi"));
        app.Stripe.InvoicePayments[second] = intent;
        await app.DeliverOkAsync(StripeEvents.Event("charge.refunded", StripeEvents.Charge(intent, 1200, 1200)));
        await app.AllEventsAppliedAsync();

        var paid = StripeEvents.Event("invoice.paid", StripeEvents.Invoice(second, subscription, checkout.PublicId, 1200));
        using (Outage("down"))
        {
            await app.DeliverOkAsync(paid);
            await app.AllEventsAppliedAsync();
            await using var scope = app.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<TransactionalEmailJob>().SweepAsync(CancellationToken.None);
        }
        Assert.Equal(StripeEventState.Failed, (await EventAsync(paid)).State);
        Assert.False(await app.WithDbAsync(db => db.Set<Donation>().AnyAsync(d => d.StripeInvoiceId == second)), "the payment was recorded without its payment intent");

        Assert.Equal(HttpStatusCode.Accepted, (await app.CreateStaffClient().PostAsync($"/api/admin/donations/webhook-events/{(await EventAsync(paid)).Id}/retry", null)).StatusCode);
        await app.AllEventsAppliedAsync();
        var donation = await app.WithDbAsync(db => db.Set<Donation>().AsNoTracking().SingleAsync(d => d.StripeInvoiceId == second));
        Assert.Equal((DonationStatus.Refunded, 1200L, intent), (donation.Status, donation.AmountRefunded, donation.StripePaymentIntentId));
        await using (var scope = app.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<TransactionalEmailJob>().SweepAsync(CancellationToken.None);
        await Task.Delay(1000);
        Assert.Single(app.Smtp.Messages, m => m.Recipients.Contains(donor));
    }

    [Fact]
    public async Task A_payment_adopted_while_its_event_batch_is_still_running_is_recorded()
    {
        // A batch applies its events one after the other and records their outcomes together at the end. An unmatched
        // session is on the staff list as soon as its event is applied; a later event of the batch waits on Stripe, so
        // the session's event is still Processing when staff adopt it, and adopting finds no ignored event to apply.
        var (checkout, subscription) = await app.StartMonthlyGiftAsync(1000, "slow-batch@outage.example", "Slow Batch");
        var session = StripeEvents.NewId("cs");
        var batch = new[]
        {
            StripeEvents.Event("checkout.session.completed", StripeEvents.Session(session, null, 4200, paymentIntent: StripeEvents.NewId("pi"),
                email: "adopt-race@example.org", name: "Adopt Race", paymentLink: "plink_1NotListedRace")),
            StripeEvents.Event("invoice.paid", StripeEvents.Invoice(StripeEvents.NewId("in"), subscription, checkout.PublicId, 1000)),
        };
        var ids = await app.StoreEventsAsync(batch);
        using (Outage("hung"))
        {
            var running = Task.Run(async () =>
            {
                await using var scope = app.Services.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<StripeEventJob>().ProcessManyAsync(ids, CancellationToken.None);
            });
            var id = 0L;
            await NewsletterApp.EventuallyAsync(async () => (id = await app.WithDbAsync(db => db.Set<UnmatchedStripePayment>()
                .Where(u => u.CheckoutSessionId == session).Select(u => u.Id).FirstOrDefaultAsync())) != 0, "the payment on the unmatched list");
            Assert.False(running.IsCompleted, "the batch ended before staff adopted; the test needs it still running");
            Assert.Equal(HttpStatusCode.Accepted, (await app.CreateStaffClient().PostAsync($"/api/admin/donations/unmatched/{id}/adopt", null)).StatusCode);
            await running;
        }
        await app.AllEventsAppliedAsync();
        var donation = await app.DonationBySessionAsync(session);
        Assert.True(donation is not null, "adopted on the staff list, but no donation recorded");
        Assert.Equal((4200L, DonationStatus.Paid, "adopt-race@example.org"), (donation.Amount, donation.Status, donation.DonorEmail));
    }

    [Fact]
    public async Task A_plan_whose_cancellation_cannot_reach_stripe_is_flagged_to_staff_and_cancelled_later()
    {
        var (_, subscription) = await app.StartMonthlyGiftAsync(700, "erased@outage.example", "Erased Donor");
        using (Outage("down"))
        {
            Assert.Equal(HttpStatusCode.NoContent, (await app.CreateStaffClient().PostAsJsonAsync("/api/admin/people/erase", new { email = "erased@outage.example" })).StatusCode);
            await NewsletterApp.EventuallyAsync(async () => (await PlanAsync(subscription)).CancelError is not null, "the failed cancellation recorded");
            Assert.StartsWith("unreachable: ", (await PlanAsync(subscription)).CancelError);
        }
        await using (var scope = app.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<ErasedPlanCancellation>().RunAsync(CancellationToken.None);
        var plan = await PlanAsync(subscription);
        Assert.Equal((RecurringPlanStatus.Cancelled, null), (plan.Status, plan.CancelError));
    }

    /// <summary>Takes Stripe down ("down": connections dropped) or makes it hang ("hung") until disposed.</summary>
    private IDisposable Outage(string kind)
    {
        if (kind == "down") app.Stripe.Down = true;
        else app.Stripe.Hung = true;
        return new Restore(() => (app.Stripe.Down, app.Stripe.Hung) = (false, false));
    }

    private sealed class Restore(Action restore) : IDisposable
    {
        public void Dispose() => restore();
    }

    private Task<StripeWebhookEvent> EventAsync(string payload)
    {
        var id = System.Text.Json.JsonDocument.Parse(payload).RootElement.GetProperty("id").GetString();
        return app.WithDbAsync(db => db.Set<StripeWebhookEvent>().AsNoTracking().SingleAsync(e => e.EventId == id));
    }

    private Task<RecurringPlan> PlanAsync(string subscription) =>
        app.WithDbAsync(db => db.Set<RecurringPlan>().AsNoTracking().SingleAsync(p => p.StripeSubscriptionId == subscription));
}
