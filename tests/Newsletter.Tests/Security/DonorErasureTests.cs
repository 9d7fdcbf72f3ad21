using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Audit;
using Newsletter.Dashboard;
using Newsletter.Donations;
using Newsletter.Email;
using Newsletter.Subscribers;
using Newsletter.Tests.Donations;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Security;

/// <summary>
/// Erasure holds against Stripe: later webhooks do not bring the donor back, the erased donor's monthly plan is cancelled
/// at Stripe (checked against the fake with the exact request), stored webhook payloads keep only ids and amounts and
/// are deleted after the retention, and donors who never subscribed can be exported and erased too.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class DonorErasureTests(DonationsApp app) : IClassFixture<DonationsApp>
{
    [Fact]
    public async Task An_erased_monthly_donor_is_not_refilled_by_the_next_invoice_and_their_plan_is_cancelled_at_stripe()
    {
        var subscriberId = await AddSubscriberAsync("monthly@donor.example");
        var checkout = await app.NewCheckoutAsync(1500, "month", "monthly@donor.example", "Grace Hopper", "Keep going");
        var (session, subscription, firstInvoice) = (StripeEvents.NewId("cs"), StripeEvents.NewId("sub"), StripeEvents.NewId("in"));
        await app.DeliverOkAsync(StripeEvents.Event("checkout.session.completed", StripeEvents.Session(session, checkout.PublicId, 1500, mode: "subscription",
            subscription: subscription, invoice: firstInvoice, email: "monthly@donor.example")));
        await app.AllEventsAppliedAsync();
        await app.Smtp.WaitForMessageToAsync("monthly@donor.example");
        var plan = await PlanAsync(subscription);
        Assert.Equal(("Grace Hopper", RecurringPlanStatus.Active), (plan.DonorName, plan.Status));

        Assert.Equal(HttpStatusCode.NoContent, (await app.CreateStaffClient().DeleteAsync($"/api/admin/subscribers/{subscriberId}")).StatusCode);

        // The plan is cancelled at Stripe, once, with the plan's idempotency key and a reason that names nobody.
        await NewsletterApp.EventuallyAsync(async () => (await PlanAsync(subscription)).Status == RecurringPlanStatus.Cancelled, "the erased donor's plan cancelled");
        var cancel = Assert.Single(app.Stripe.Requests, r => r.Path == $"/v1/subscriptions/{subscription}");
        Assert.Equal("DELETE", cancel.Method);
        Assert.Equal(new Dictionary<string, string> { ["cancellation_details[comment]"] = ErasedPlanCancellation.Comment }, RecordedRequest.Parse(cancel.Query.TrimStart('?')));
        Assert.Equal("", cancel.Body);
        Assert.Equal(ErasedPlanCancellation.IdempotencyKey(plan.Id), cancel.Headers["Idempotency-Key"]);
        Assert.NotNull((await PlanAsync(subscription)).CancelRequestedAt);

        // The invoice Stripe had already raised is paid and reported with Stripe's copy of the donor: it stays anonymous.
        var secondInvoice = StripeEvents.NewId("in");
        var invoice = (Dictionary<string, object?>)StripeEvents.Invoice(secondInvoice, subscription, checkout.PublicId, 1500, paymentIntent: StripeEvents.NewId("pi"));
        invoice["customer_email"] = "monthly@donor.example";
        invoice["customer_name"] = "Grace Hopper";
        app.Smtp.Clear();
        await app.DeliverOkAsync(StripeEvents.Event("invoice.paid", invoice));
        await app.AllEventsAppliedAsync();
        var second = await app.WithDbAsync(db => db.Set<Donation>().AsNoTracking().SingleAsync(d => d.StripeInvoiceId == secondInvoice));
        Assert.Equal((DonationStatus.Paid, 1500L), (second.Status, second.Amount));
        Assert.Equal((null, null, null), (second.DonorName, second.DonorEmail, second.Message));
        Assert.NotNull(second.DonorErasedAt);
        plan = await PlanAsync(subscription);
        Assert.Equal((null, null), (plan.DonorName, plan.DonorEmail));
        Assert.False(await app.WithDbAsync(db => db.Set<TransactionalEmail>().AnyAsync(e => e.Recipient == "monthly@donor.example")), "a receipt was queued for an erased donor");

        // Every stored event is applied and keeps ids and amounts, never the donor's name or address.
        var payloads = await app.WithDbAsync(db => db.Set<StripeWebhookEvent>().Where(e => e.Payload.Contains(subscription)).Select(e => e.Payload).ToListAsync());
        Assert.Equal(2, payloads.Count);
        Assert.All(payloads, p =>
        {
            Assert.DoesNotContain("monthly@donor.example", p);
            Assert.DoesNotContain("Grace", p);
            Assert.Contains("1500", p);
        });
        Assert.Contains(payloads, p => p.Contains(secondInvoice, StringComparison.Ordinal) && p.Contains(checkout.PublicId.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_donor_who_never_subscribed_is_exported_and_erased_by_address_and_a_late_event_does_not_bring_them_back()
    {
        var checkout = await app.NewCheckoutAsync(4200, email: "oneoff@donor.example", name: "Ada Lovelace", message: "For the archive");
        var (session, intent) = (StripeEvents.NewId("cs"), StripeEvents.NewId("pi"));
        var completed = StripeEvents.Event("checkout.session.completed", StripeEvents.Session(session, checkout.PublicId, 4200, paymentIntent: intent, email: "oneoff@donor.example"));
        await app.DeliverOkAsync(completed);
        await app.AllEventsAppliedAsync();
        // An event that failed to apply still holds Stripe's full payload, with the address in it.
        var failedPayload = StripeEvents.Event("charge.refunded", new Dictionary<string, object?>
        {
            ["id"] = StripeEvents.NewId("ch"), ["object"] = "charge", ["amount"] = 4200, ["amount_refunded"] = 0, ["currency"] = "usd",
            ["payment_intent"] = intent, ["billing_details"] = new { email = "OneOff@Donor.example", name = "Ada Lovelace", address = new { line1 = "12 Analytical St" } },
        });
        await app.WithDbAsync(db =>
        {
            db.Add(new StripeWebhookEvent { EventId = StripeEvents.NewId("evt"), Type = "charge.refunded", Payload = failedPayload, State = StripeEventState.Failed, ReceivedAt = DateTime.UtcNow, Note = "test" });
            return db.SaveChangesAsync();
        });
        var staff = app.CreateStaffClient();

        var data = await staff.GetFromJsonAsync<JsonElement>("/api/admin/people/data?email=oneoff@donor.example");
        Assert.Equal(JsonValueKind.Null, data.GetProperty("subscriber").ValueKind);
        var donations = data.GetProperty("records").GetProperty("donations");
        Assert.Equal("Ada Lovelace", donations.GetProperty("donations")[0].GetProperty("name").GetString());
        Assert.Single(donations.GetProperty("stripeEvents").EnumerateArray());

        Assert.Equal(HttpStatusCode.NoContent, (await staff.PostAsJsonAsync("/api/admin/people/erase", new { email = "oneoff@donor.example" })).StatusCode);
        var donation = (await app.DonationBySessionAsync(session))!;
        Assert.Equal((null, null, null, 4200L), (donation.DonorName, donation.DonorEmail, donation.Message, donation.Amount));
        Assert.NotNull(donation.DonorErasedAt);
        var stored = await app.WithDbAsync(db => db.Set<DonationCheckout>().AsNoTracking().SingleAsync(c => c.PublicId == checkout.PublicId));
        Assert.Equal((null, null, null), (stored.DonorName, stored.DonorEmail, stored.Message));
        Assert.NotNull(stored.DonorErasedAt);
        var failed = await app.WithDbAsync(db => db.Set<StripeWebhookEvent>().AsNoTracking().SingleAsync(e => e.Type == "charge.refunded" && e.State == StripeEventState.Failed && e.Payload.Contains(intent)));
        Assert.DoesNotContain("Lovelace", failed.Payload);
        Assert.DoesNotContain("donor.example", failed.Payload, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("4200", failed.Payload);
        Assert.NotNull(failed.PayloadRedactedAt);
        await using (var scope = app.Services.CreateAsyncScope())
            Assert.True(await scope.ServiceProvider.GetRequiredService<SuppressionList>().IsSuppressedAsync(EmailAddress.FromStored("oneoff@donor.example"), CancellationToken.None));
        Assert.True(await app.WithDbAsync(db => db.Set<AuditEntry>().AnyAsync(e => e.Action == AuditActions.DonorErased)));

        // Stripe delivers the session again (a retry): the money is still recorded once, the donor stays erased.
        await app.DeliverOkAsync(StripeEvents.Event("checkout.session.async_payment_succeeded", StripeEvents.Session(session, checkout.PublicId, 4200, paymentIntent: intent, email: "oneoff@donor.example")));
        await app.AllEventsAppliedAsync();
        donation = (await app.DonationBySessionAsync(session))!;
        Assert.Equal((null, null), (donation.DonorName, donation.DonorEmail));
        Assert.Equal(HttpStatusCode.NotFound, (await staff.GetAsync("/api/admin/people/data?email=oneoff@donor.example")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await staff.PostAsJsonAsync("/api/admin/people/erase", new { email = "nobody-at-all@donor.example" })).StatusCode);
    }

    [Fact]
    public async Task Stored_events_are_deleted_after_the_retention_and_failed_ones_keep_only_ids_and_amounts()
    {
        var old = DateTime.UtcNow.AddDays(-31);
        var processed = StripeEvents.NewId("evt");
        var failed = StripeEvents.NewId("evt");
        await app.WithDbAsync(db =>
        {
            db.Add(new StripeWebhookEvent { EventId = processed, Type = "invoice.paid", Payload = "{\"id\":\"x\"}", State = StripeEventState.Processed, ReceivedAt = old, PayloadRedactedAt = old });
            db.Add(new StripeWebhookEvent { EventId = failed, Type = "charge.refunded", State = StripeEventState.Failed, ReceivedAt = old,
                Payload = StripeEvents.Event("charge.refunded", new { id = "ch_1", @object = "charge", amount_refunded = 300, receipt_email = "kept@too-long.example" }) });
            return db.SaveChangesAsync();
        });
        await using (var scope = app.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<StripeEventRetention>().RunAsync(CancellationToken.None);
        Assert.False(await app.WithDbAsync(db => db.Set<StripeWebhookEvent>().AnyAsync(e => e.EventId == processed)));
        var kept = await app.WithDbAsync(db => db.Set<StripeWebhookEvent>().AsNoTracking().SingleAsync(e => e.EventId == failed));
        Assert.DoesNotContain("too-long.example", kept.Payload);
        Assert.Contains("\"amount_refunded\":300", kept.Payload);
    }

    [Fact]
    public async Task A_plan_stripe_refuses_to_cancel_is_flagged_to_staff_and_tried_again()
    {
        var (_, subscription) = await app.StartMonthlyGiftAsync(900, "refused@donor.example", "Refused Donor");
        app.Stripe.RefuseCancellations = 1000;
        try
        {
            Assert.Equal(HttpStatusCode.NoContent, (await app.CreateStaffClient().PostAsJsonAsync("/api/admin/people/erase", new { email = "refused@donor.example" })).StatusCode);
            await NewsletterApp.EventuallyAsync(async () => (await PlanAsync(subscription)).CancelError is not null, "the refusal recorded");
            await using (var scope = app.Services.CreateAsyncScope())
            {
                var alerts = new List<DashboardAlert>();
                foreach (var source in scope.ServiceProvider.GetServices<IDashboardAlertSource>()) alerts.AddRange(await source.GetAlertsAsync(CancellationToken.None));
                Assert.Contains(alerts, a => a.Level == AlertLevel.Error && a.Message.Contains(subscription, StringComparison.Ordinal));
            }
        }
        finally
        {
            app.Stripe.RefuseCancellations = 0;
        }
        await using (var scope = app.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<ErasedPlanCancellation>().RunAsync(CancellationToken.None);
        var plan = await PlanAsync(subscription);
        Assert.Equal((RecurringPlanStatus.Cancelled, null), (plan.Status, plan.CancelError));
    }

    private Task<RecurringPlan> PlanAsync(string subscription) =>
        app.WithDbAsync(db => db.Set<RecurringPlan>().AsNoTracking().SingleAsync(p => p.StripeSubscriptionId == subscription));

    private Task<long> AddSubscriberAsync(string email) => app.WithDbAsync(async db =>
    {
        var now = DateTime.UtcNow;
        var subscriber = new Subscriber { Email = email, EmailKey = email, Status = SubscriberStatus.Confirmed, CreatedAt = now, UpdatedAt = now, ConsentAt = now, ConsentSource = "test" };
        db.Add(subscriber);
        await db.SaveChangesAsync();
        return subscriber.Id;
    });
}
