using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Donations;
using Newsletter.Email;
using Newsletter.Web;
using Newsletter.Tests.Dashboard;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Donations;

/// <summary>Payments started outside the service: listed Payment Links are recorded, others wait on the staff page for Adopt or Dismiss.</summary>
[Collection(HostCollection.Name)]
public sealed class PaymentLinkTests(SupportersApp app) : IClassFixture<SupportersApp>
{
    [Fact]
    public async Task A_session_from_a_listed_payment_link_is_a_donation_with_the_donor_stripe_collected_and_is_thanked()
    {
        var session = StripeEvents.NewId("cs");
        var payload = StripeEvents.Event("checkout.session.completed", StripeEvents.Session(session, null, 3000, paymentIntent: StripeEvents.NewId("pi"),
            email: "linked@example.org", name: "Lin Ked", paymentLink: SupportersApp.ListedLink, customer: "cus_linked1"));
        await app.DeliverOkAsync(payload);
        await app.DeliverOkAsync(payload);
        await app.AllEventsAppliedAsync();

        var donation = await app.DonationBySessionAsync(session);
        Assert.Equal((3000L, DonationStatus.Paid, "Lin Ked", "linked@example.org", "cus_linked1"),
            (donation!.Amount, donation.Status, donation.DonorName, donation.DonorEmail, donation.StripeCustomerId));
        Assert.Contains("30.00 USD", Mail.Text(await app.Smtp.WaitForMessageToAsync("linked@example.org")));
        Assert.False(await app.WithDbAsync(db => db.Set<UnmatchedStripePayment>().AnyAsync(u => u.CheckoutSessionId == session)));
    }

    [Fact]
    public async Task An_unlisted_payment_waits_for_staff_and_adopting_it_records_it_with_its_earlier_refund_once()
    {
        var (session, intent) = (StripeEvents.NewId("cs"), StripeEvents.NewId("pi"));
        await app.DeliverOkAsync(StripeEvents.Event("checkout.session.completed", StripeEvents.Session(session, null, 8000, paymentIntent: intent,
            email: "stranger@example.org", name: "Stran Ger", paymentLink: "plink_1NotListed")));
        await app.DeliverOkAsync(StripeEvents.Event("charge.refunded", StripeEvents.Charge(intent, 8000, 2000)));
        await app.AllEventsAppliedAsync();
        Assert.Null(await app.DonationBySessionAsync(session));

        await StaffBrowser.EnsureAccountAsync(app, "links-editor@example.org", StaffRoles.Editor);
        var browser = new StaffBrowser(app);
        await browser.LogInAsync("links-editor@example.org");
        var page = await browser.GetPageAsync("/admin/donations/unmatched");
        var row = page[page.IndexOf($"data-session=\"{session}\"", StringComparison.Ordinal)..];
        Assert.Contains("80.00 USD", row[..row.IndexOf("</tr>", StringComparison.Ordinal)]);
        Assert.Contains("stranger@example.org", row[..row.IndexOf("</tr>", StringComparison.Ordinal)]);
        var id = await app.WithDbAsync(db => db.Set<UnmatchedStripePayment>().Where(u => u.CheckoutSessionId == session).Select(u => u.Id).SingleAsync());

        var adopted = await browser.PostFormAsync($"/admin/donations/unmatched?handler=adopt&id={id}", [], "/admin/donations/unmatched");
        Assert.Equal(HttpStatusCode.Redirect, adopted.StatusCode);
        Assert.EndsWith("notice=adopted", adopted.Headers.Location!.OriginalString);
        await app.AllEventsAppliedAsync();
        var donation = await app.DonationBySessionAsync(session);
        Assert.Equal((8000L, 2000L, DonationStatus.PartiallyRefunded, "stranger@example.org"), (donation!.Amount, donation.AmountRefunded, donation.Status, donation.DonorEmail));
        await app.Smtp.WaitForMessageToAsync("stranger@example.org");
        Assert.DoesNotContain($"data-session=\"{session}\"", await browser.GetPageAsync("/admin/donations/unmatched"));

        // A second click decides nothing more, and the money is recorded once.
        var again = await browser.PostFormAsync($"/admin/donations/unmatched?handler=adopt&id={id}", [], "/admin/donations/unmatched");
        Assert.EndsWith("notice=gone", again.Headers.Location!.OriginalString);
        await app.AllEventsAppliedAsync();
        Assert.Equal(1, await app.WithDbAsync(db => db.Set<Donation>().CountAsync(d => d.StripeCheckoutSessionId == session)));
        Assert.Equal(1, await app.WithDbAsync(db => db.Set<TransactionalEmail>().CountAsync(e => e.Kind == DonationLedger.ReceiptKind && e.Recipient == "stranger@example.org")));
    }

    [Fact]
    public async Task A_dismissed_payment_leaves_the_list_and_never_becomes_a_donation()
    {
        var session = StripeEvents.NewId("cs");
        await app.DeliverOkAsync(StripeEvents.Event("checkout.session.completed", StripeEvents.Session(session, null, 1999, paymentIntent: StripeEvents.NewId("pi"), email: "shop@example.org")));
        await app.AllEventsAppliedAsync();
        var staff = app.CreateStaffClient();
        var listed = await staff.GetFromJsonAsync<JsonElement>("/api/admin/donations/unmatched");
        var id = listed.EnumerateArray().Single(u => u.GetProperty("checkoutSessionId").GetString() == session).GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.NoContent, (await staff.PostAsync($"/api/admin/donations/unmatched/{id}/dismiss", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await staff.PostAsync($"/api/admin/donations/unmatched/{id}/adopt", null)).StatusCode);
        Assert.DoesNotContain((await staff.GetFromJsonAsync<JsonElement>("/api/admin/donations/unmatched")).EnumerateArray(), u => u.GetProperty("id").GetInt64() == id);
        Assert.Null(await app.DonationBySessionAsync(session));
        Assert.Equal(HttpStatusCode.BadRequest, (await staff.GetAsync("/api/admin/donations/unmatched?state=maybe")).StatusCode);
    }

    [Fact]
    public async Task A_monthly_payment_link_whose_invoice_and_update_arrive_before_its_session_ends_in_one_gift_and_an_active_plan()
    {
        var (session, subscription, first, second) = (StripeEvents.NewId("cs"), StripeEvents.NewId("sub"), StripeEvents.NewId("in"), StripeEvents.NewId("in"));
        var start = DateTimeOffset.UtcNow.AddMinutes(-20);
        await app.DeliverOkAsync(StripeEvents.Event("invoice.paid", StripeEvents.Invoice(first, subscription, null, 1500, paymentIntent: StripeEvents.NewId("pi"), customer: "cus_pl_month"), created: start));
        await app.DeliverOkAsync(StripeEvents.Event("customer.subscription.updated", StripeEvents.Subscription(subscription, null, "active", 1500, customer: "cus_pl_month"), created: start));
        await app.AllEventsAppliedAsync();
        Assert.Equal(2, await app.WithDbAsync(db => db.Set<StripeWebhookEvent>().CountAsync(e => e.Payload.Contains(subscription) && e.State == StripeEventState.Ignored)));

        await app.DeliverOkAsync(StripeEvents.Event("checkout.session.completed", StripeEvents.Session(session, null, 1500, mode: "subscription", subscription: subscription,
            invoice: first, email: "monthly-link@example.org", paymentLink: SupportersApp.ListedLink, customer: "cus_pl_month"), created: start));
        await app.AllEventsAppliedAsync();
        await app.DeliverOkAsync(StripeEvents.Event("invoice.paid", StripeEvents.Invoice(second, subscription, null, 1500, paymentIntent: StripeEvents.NewId("pi"), customer: "cus_pl_month"), created: start.AddMinutes(5)));
        await app.AllEventsAppliedAsync();

        var plan = await app.WithDbAsync(db => db.Set<RecurringPlan>().AsNoTracking().SingleAsync(p => p.StripeSubscriptionId == subscription));
        Assert.Equal((RecurringPlanStatus.Active, 1500L, "cus_pl_month", "monthly-link@example.org"), (plan.Status, plan.Amount, plan.StripeCustomerId, plan.DonorEmail));
        var gifts = await app.WithDbAsync(db => db.Set<Donation>().AsNoTracking().Where(d => d.RecurringPlanId == plan.Id).ToListAsync());
        Assert.Equal(2, gifts.Count);
        Assert.Single(gifts, g => g.StripeInvoiceId == first && g.StripeCheckoutSessionId == session);
        Assert.Equal(0, await app.WithDbAsync(db => db.Set<StripeWebhookEvent>().CountAsync(e => e.Payload.Contains(subscription) && e.State == StripeEventState.Ignored)));
    }

    [Fact]
    public async Task An_invoice_applied_in_one_batch_with_its_payment_link_session_is_applied_even_when_the_recheck_after_the_batch_fails()
    {
        // The first invoice and the session of a monthly Payment Link, applied in one batch, invoice first: it is
        // ignored (its subscription is not ours yet) while the session records the plan and the gift, so only the
        // recheck after the batch's commit can apply it. The database refuses that recheck here, as a crash right after
        // the commit would skip it. The invoice must still be applied: it alone names the payment, and a refund of
        // that payment must show on the gift.
        var (session, subscription, invoice, intent) = (StripeEvents.NewId("cs"), StripeEvents.NewId("sub"), StripeEvents.NewId("in"), StripeEvents.NewId("pi"));
        var start = DateTimeOffset.UtcNow.AddMinutes(-20);
        var batch = new[]
        {
            StripeEvents.Event("invoice.paid", StripeEvents.Invoice(invoice, subscription, null, 1500, paymentIntent: intent, customer: "cus_pl_recheck"), created: start),
            StripeEvents.Event("checkout.session.completed", StripeEvents.Session(session, null, 1500, mode: "subscription", subscription: subscription,
                invoice: invoice, email: "recheck-link@example.org", paymentLink: SupportersApp.ListedLink, customer: "cus_pl_recheck"), created: start),
        };
        // Stored as the webhook stores them, so that one job applies both.
        var ids = await app.StoreEventsAsync(batch);
        var requeue = $"OLD.\"State\" = {(int)StripeEventState.Ignored} AND NEW.\"State\" = {(int)StripeEventState.Received}";
        await using (await RefusingTrigger.RefuseAsync(app, "StripeWebhookEvents", "UPDATE", when: requeue))
        {
            try
            {
                await using var scope = app.Services.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<StripeEventJob>().ProcessManyAsync(ids, CancellationToken.None);
            }
            catch (Exception e) when (e.ToString().Contains(RefusingTrigger.Message))
            {
                // The job ends where a crash would have ended it.
            }
        }
        Assert.Equal(StripeEventState.Ignored, await app.WithDbAsync(db => db.Set<StripeWebhookEvent>().Where(e => e.Id == ids[0]).Select(e => e.State).SingleAsync()));
        await app.DeliverOkAsync(StripeEvents.Event("charge.refunded", StripeEvents.Charge(intent, 1500, 1500)));
        await app.AllEventsAppliedAsync();

        // The sweep (every minute and at start-up) finds the invoice again.
        var plan = await app.WithDbAsync(db => db.Set<RecurringPlan>().AsNoTracking().SingleAsync(p => p.StripeSubscriptionId == subscription));
        Task<List<Donation>> GiftsAsync() => app.WithDbAsync(db => db.Set<Donation>().AsNoTracking().Where(d => d.RecurringPlanId == plan.Id).ToListAsync());
        await NewsletterApp.EventuallyAsync(async () =>
        {
            await using (var scope = app.Services.CreateAsyncScope())
                await scope.ServiceProvider.GetRequiredService<StripeEventJob>().SweepAsync(CancellationToken.None);
            await app.AllEventsAppliedAsync();
            return (await GiftsAsync()).Any(g => g.Status == DonationStatus.Refunded);
        }, "the gift to show its refund", TimeSpan.FromSeconds(45));
        var gift = Assert.Single(await GiftsAsync());
        Assert.Equal((1500L, invoice, session, intent), (gift.Amount, gift.StripeInvoiceId, gift.StripeCheckoutSessionId, gift.StripePaymentIntentId));
    }

    [Fact]
    public async Task An_unmatched_payment_adopted_after_its_events_were_deleted_by_the_retention_is_recorded_from_what_the_list_kept()
    {
        var (session, intent) = (StripeEvents.NewId("cs"), StripeEvents.NewId("pi"));
        await app.DeliverOkAsync(StripeEvents.Event("checkout.session.completed", StripeEvents.Session(session, null, 8000, paymentIntent: intent,
            email: "late-adopt@example.org", name: "Late Adopt", paymentLink: "plink_1NotListedLate")));
        await app.DeliverOkAsync(StripeEvents.Event("charge.refunded", StripeEvents.Charge(intent, 8000, 3000)));
        await app.AllEventsAppliedAsync();
        Assert.Null(await app.DonationBySessionAsync(session));

        // Six weeks later: the daily retention has deleted the ignored events (30 days by default).
        await app.WithDbAsync(db => db.Set<StripeWebhookEvent>().Where(e => e.Payload.Contains(session) || e.Payload.Contains(intent))
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.ReceivedAt, e => e.ReceivedAt.AddDays(-42))));
        await using (var scope = app.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<StripeEventRetention>().RunAsync(CancellationToken.None);
        Assert.False(await app.WithDbAsync(db => db.Set<StripeWebhookEvent>().AnyAsync(e => e.Payload.Contains(session))));

        var id = await app.WithDbAsync(db => db.Set<UnmatchedStripePayment>().Where(u => u.CheckoutSessionId == session).Select(u => u.Id).SingleAsync());
        Assert.Equal(HttpStatusCode.Accepted, (await app.CreateStaffClient().PostAsync($"/api/admin/donations/unmatched/{id}/adopt", null)).StatusCode);
        await app.AllEventsAppliedAsync();
        var donation = await app.DonationBySessionAsync(session);
        Assert.True(donation is not null, "adopted, but no donation recorded");
        Assert.Equal((8000L, 3000L, DonationStatus.PartiallyRefunded, "late-adopt@example.org", intent),
            (donation.Amount, donation.AmountRefunded, donation.Status, donation.DonorEmail, donation.StripePaymentIntentId));
        // Thanked for what was kept: 80.00 given, 30.00 refunded before the receipt went out.
        Assert.Contains("50.00 USD", Mail.Text(await app.Smtp.WaitForMessageToAsync("late-adopt@example.org")));
    }

    [Fact]
    public async Task A_subscription_change_that_waited_for_its_payment_link_session_keeps_its_quantity_and_pause_once_applied()
    {
        // Ignored events are cut down to what the books need as soon as they are recorded (privacy). One that waited for
        // its Payment Link session is applied from that cut copy: the donor's three units and their paused collection
        // must still be in it.
        var (session, subscription) = (StripeEvents.NewId("cs"), StripeEvents.NewId("sub"));
        var start = DateTimeOffset.UtcNow.AddMinutes(-20);
        await app.DeliverOkAsync(StripeEvents.Event("customer.subscription.updated",
            StripeEvents.Subscription(subscription, null, "active", 500, customer: "cus_pl_paused", collectionPaused: true, quantity: 3), created: start.AddSeconds(30)));
        await app.AllEventsAppliedAsync();
        await app.DeliverOkAsync(StripeEvents.Event("checkout.session.completed", StripeEvents.Session(session, null, 1500, mode: "subscription", subscription: subscription,
            invoice: StripeEvents.NewId("in"), email: "paused-link@example.org", paymentLink: SupportersApp.ListedLink, customer: "cus_pl_paused"), created: start));
        await app.AllEventsAppliedAsync();

        var plan = await app.WithDbAsync(db => db.Set<RecurringPlan>().AsNoTracking().SingleAsync(p => p.StripeSubscriptionId == subscription));
        Assert.Equal((RecurringPlanStatus.Paused, 1500L, "cus_pl_paused"), (plan.Status, plan.Amount, plan.StripeCustomerId));
    }

    [Fact]
    public async Task A_yearly_payment_link_is_a_yearly_plan_once_its_subscription_says_so_even_when_that_came_before_the_session()
    {
        // A session names no interval; the subscription's "created" event carries the yearly price. Stripe sends it
        // before the session completes, so it waits for the session and is applied once the plan is ours. Counted as
        // monthly, the plan would add its whole year's amount to each month's recurring revenue.
        var (session, subscription) = (StripeEvents.NewId("cs"), StripeEvents.NewId("sub"));
        var start = DateTimeOffset.UtcNow.AddMinutes(-20);
        await app.DeliverOkAsync(StripeEvents.Event("customer.subscription.created",
            StripeEvents.Subscription(subscription, null, "incomplete", 12000, customer: "cus_pl_yearly", interval: "year"), created: start));
        await app.AllEventsAppliedAsync();
        await app.DeliverOkAsync(StripeEvents.Event("checkout.session.completed", StripeEvents.Session(session, null, 12000, mode: "subscription", subscription: subscription,
            invoice: StripeEvents.NewId("in"), email: "yearly-link@example.org", paymentLink: SupportersApp.ListedLink, customer: "cus_pl_yearly"), created: start.AddSeconds(5)));
        await app.AllEventsAppliedAsync();

        var plan = await app.WithDbAsync(db => db.Set<RecurringPlan>().AsNoTracking().SingleAsync(p => p.StripeSubscriptionId == subscription));
        Assert.Equal((RecurringPlanStatus.Active, 12000L, "year"), (plan.Status, plan.Amount, plan.Interval));
        Assert.Equal(0, await app.WithDbAsync(db => db.Set<StripeWebhookEvent>().CountAsync(e => e.Payload.Contains(subscription) && e.State == StripeEventState.Ignored)));
    }
}
