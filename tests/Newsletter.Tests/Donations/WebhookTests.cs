using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Donations;
using Newsletter.Email;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Donations;

/// <summary>Stripe's webhook with real signatures: verification, storage by event id, and what each event type does to the ledger.</summary>
[Collection(HostCollection.Name)]
public sealed class WebhookTests(DonationsApp app) : IClassFixture<DonationsApp>
{
    [Fact]
    public async Task A_paid_one_time_checkout_is_recorded_once_and_thanked_once_however_often_stripe_repeats_it()
    {
        var checkout = await app.NewCheckoutAsync(2500, email: "once@example.org", name: "Ada", message: "For the film pages");
        var (session, intent) = (StripeEvents.NewId("cs"), StripeEvents.NewId("pi"));
        var completed = StripeEvents.Event("checkout.session.completed", StripeEvents.Session(session, checkout.PublicId, 2500, paymentIntent: intent));

        for (var i = 0; i < 3; i++) await app.DeliverOkAsync(completed);
        await app.AllEventsAppliedAsync();

        var donation = await app.DonationBySessionAsync(session);
        Assert.NotNull(donation);
        Assert.Equal((DonationStatus.Paid, 2500L, "usd", DonationKind.OneTime, intent), (donation.Status, donation.Amount, donation.Currency, donation.Kind, donation.StripePaymentIntentId));
        Assert.Equal(("Ada", "once@example.org", "For the film pages"), (donation.DonorName, donation.DonorEmail, donation.Message));
        // Stored once, by event id; applied, it keeps ids and amounts but not the donor (see DonorErasureTests).
        var eventId = JsonDocument.Parse(completed).RootElement.GetProperty("id").GetString();
        var stored = Assert.Single(await app.WithDbAsync(db => db.Set<StripeWebhookEvent>().Where(e => e.EventId == eventId).ToListAsync()));
        Assert.DoesNotContain("once@example.org", stored.Payload);
        Assert.Contains(session, stored.Payload);

        var receipt = await app.Smtp.WaitForMessageToAsync("once@example.org");
        Assert.Equal("Thank you for supporting The Test Review", receipt.Subject);
        Assert.Contains("25.00 USD", Mail.Text(receipt));
        Assert.Contains("For the film pages", Mail.Text(receipt));
        // The outbox row is unique by (kind, donation id): one receipt, sent.
        var receipts = await app.WithDbAsync(db => db.Set<TransactionalEmail>().Where(e => e.Kind == DonationLedger.ReceiptKind && e.SubjectId == donation.Id).ToListAsync());
        Assert.Equal(TransactionalEmailState.Sent, Assert.Single(receipts).State);
        await app.DeliverOkAsync(completed);
        await app.AllEventsAppliedAsync();
        Assert.Single(app.Smtp.Messages, m => m.Recipients.Contains("once@example.org"));
    }

    [Fact]
    public async Task Bad_or_stale_signatures_and_malformed_bodies_get_400_and_store_nothing()
    {
        var payload = StripeEvents.Event("checkout.session.completed", StripeEvents.Session(StripeEvents.NewId("cs"), Guid.NewGuid(), 1000));
        var before = await StoredCount();

        Assert.Equal(HttpStatusCode.BadRequest, (await app.DeliverAsync(payload, StripeEvents.Signature(payload, secret: "whsec_someone_else"))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await app.DeliverAsync(payload, StripeEvents.Signature(payload, DateTimeOffset.UtcNow.AddSeconds(-301)))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await app.DeliverAsync(payload, "garbage")).StatusCode);
        // One changed byte after signing: verification is on the exact raw body.
        Assert.Equal(HttpStatusCode.BadRequest, (await app.DeliverAsync(payload.Replace("1000", "9000"), StripeEvents.Signature(payload))).StatusCode);
        using (var unsigned = new HttpRequestMessage(HttpMethod.Post, "/webhooks/stripe") { Content = new StringContent(payload) })
            Assert.Equal(HttpStatusCode.BadRequest, (await app.CreateClient().SendAsync(unsigned)).StatusCode);
        var malformed = "{\"id\": \"evt_broken\", \"type\": ";
        var response = await app.DeliverAsync(malformed);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);

        Assert.Equal(before, await StoredCount());
        // A signature a few minutes old is within Stripe's tolerance.
        Assert.Equal(HttpStatusCode.OK, (await app.DeliverAsync(payload, StripeEvents.Signature(payload, DateTimeOffset.UtcNow.AddSeconds(-240)))).StatusCode);
        Assert.Equal(before + 1, await StoredCount());
    }

    [Fact]
    public async Task An_event_from_another_api_version_is_stored_and_applied_not_refused()
    {
        var checkout = await app.NewCheckoutAsync(1200);
        var session = StripeEvents.NewId("cs");
        var payload = StripeEvents.Event("checkout.session.completed", StripeEvents.Session(session, checkout.PublicId, 1200, paymentIntent: StripeEvents.NewId("pi")))
            .Replace(Stripe.StripeConfiguration.ApiVersion, "2024-06-20");
        Assert.Contains("\"api_version\":\"2024-06-20\"", payload);

        await app.DeliverOkAsync(payload);
        await app.AllEventsAppliedAsync();

        Assert.Equal(DonationStatus.Paid, (await app.DonationBySessionAsync(session))!.Status);
    }

    [Fact]
    public async Task A_session_we_never_created_and_an_unknown_event_type_are_stored_and_ignored()
    {
        var stranger = StripeEvents.NewId("cs");
        var foreign = StripeEvents.Event("checkout.session.completed", StripeEvents.Session(stranger, Guid.NewGuid(), 9900, paymentIntent: StripeEvents.NewId("pi")));
        var noMetadata = StripeEvents.Event("checkout.session.completed", StripeEvents.Session(StripeEvents.NewId("cs"), null, 9900));
        var unknown = StripeEvents.Event("customer.created", new { id = "cus_123", @object = "customer", email = "x@example.org" });

        foreach (var payload in new[] { foreign, noMetadata, unknown }) await app.DeliverOkAsync(payload);
        await app.AllEventsAppliedAsync();

        var ids = new[] { foreign, noMetadata, unknown }.Select(p => JsonDocument.Parse(p).RootElement.GetProperty("id").GetString()).ToList();
        var states = await app.WithDbAsync(db => db.Set<StripeWebhookEvent>().Where(e => ids.Contains(e.EventId))
            .Select(e => new { e.State, e.Note, e.Payload }).ToListAsync());
        Assert.Equal(3, states.Count);
        Assert.All(states, s => Assert.Equal(StripeEventState.Ignored, s.State));
        Assert.Contains(states, s => s.Note!.Contains("not started by this service"));
        // Ignored events are cut to ids too: the customer's address in the unknown event is gone.
        Assert.DoesNotContain(states, s => s.Payload.Contains("x@example.org", StringComparison.Ordinal));
        Assert.Null(await app.DonationBySessionAsync(stranger));
    }

    [Fact]
    public async Task The_minute_sweep_applies_events_whose_job_was_lost_and_events_a_dead_worker_left_in_processing()
    {
        using (var connection = app.Services.GetRequiredService<Hangfire.JobStorage>().GetConnection())
            Assert.Equal("* * * * *", Assert.Single(Hangfire.Storage.StorageConnectionExtensions.GetRecurringJobs(connection), j => j.Id == StripeEventRecovery.SweepJobId).Cron);

        // Two paid sessions stored as the webhook stores them, with no job in the queue for either (a restart of
        // in-memory jobs lost it); the second was taken by a worker that died six minutes ago.
        var checkouts = new[] { await app.NewCheckoutAsync(1100), await app.NewCheckoutAsync(1200) };
        var sessions = new[] { StripeEvents.NewId("cs"), StripeEvents.NewId("cs") };
        var now = DateTime.UtcNow;
        await app.WithDbAsync(async db =>
        {
            for (var i = 0; i < 2; i++)
            {
                var eventId = StripeEvents.NewId("evt");
                db.Add(new StripeWebhookEvent
                {
                    EventId = eventId, Type = "checkout.session.completed", StripeCreatedAt = now.AddMinutes(-7), ReceivedAt = now.AddMinutes(-7),
                    Payload = StripeEvents.Event("checkout.session.completed", StripeEvents.Session(sessions[i], checkouts[i].PublicId, checkouts[i].Amount), id: eventId),
                    State = i == 0 ? StripeEventState.Received : StripeEventState.Processing,
                    ClaimedAt = i == 0 ? null : now - StripeEventJob.ProcessingLease - TimeSpan.FromMinutes(1),
                    Attempts = i,
                });
            }
            await db.SaveChangesAsync();
        });

        // The sweep runs one at a time (DisableConcurrentExecution, no wait): trigger until one has run.
        var recurring = app.Services.GetRequiredService<Hangfire.IRecurringJobManager>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            recurring.Trigger(StripeEventRecovery.SweepJobId);
            try
            {
                await NewsletterApp.EventuallyAsync(async () => await app.DonationBySessionAsync(sessions[0]) is not null && await app.DonationBySessionAsync(sessions[1]) is not null,
                    "the sweep to apply both events", TimeSpan.FromSeconds(5));
                break;
            }
            catch (TimeoutException) when (clock.Elapsed < TimeSpan.FromSeconds(60))
            {
            }
        }
        await app.AllEventsAppliedAsync();
        Assert.Equal(1100L, (await app.DonationBySessionAsync(sessions[0]))!.Amount);
        Assert.Equal(1200L, (await app.DonationBySessionAsync(sessions[1]))!.Amount);
    }

    [Fact]
    public async Task A_refund_that_arrives_before_the_completion_still_ends_refunded()
    {
        var checkout = await app.NewCheckoutAsync(3000);
        var (session, intent) = (StripeEvents.NewId("cs"), StripeEvents.NewId("pi"));
        await app.DeliverOkAsync(StripeEvents.Event("charge.refunded", StripeEvents.Charge(intent, 3000, 3000)));
        await app.AllEventsAppliedAsync();
        await app.DeliverOkAsync(StripeEvents.Event("checkout.session.completed", StripeEvents.Session(session, checkout.PublicId, 3000, paymentIntent: intent)));
        await app.AllEventsAppliedAsync();

        var donation = await app.DonationBySessionAsync(session);
        Assert.Equal((DonationStatus.Refunded, 3000L), (donation!.Status, donation.AmountRefunded));
        // The refund is in the audit log, as Stripe's act, naming the payment.
        var seen = Assert.Single(await app.WithDbAsync(db => db.Set<Newsletter.Audit.AuditEntry>().AsNoTracking()
            .Where(e => e.Action == Newsletter.Audit.AuditActions.RefundSeen && e.Target == intent).ToListAsync()));
        Assert.Equal("stripe", seen.Actor);
        Assert.StartsWith("3000 usd refunded in all", seen.Detail);
    }

    [Fact]
    public async Task Partial_then_full_refunds_follow_amount_refunded_and_an_older_partial_refund_never_undoes_the_full_one()
    {
        var checkout = await app.NewCheckoutAsync(5000);
        var (session, intent) = (StripeEvents.NewId("cs"), StripeEvents.NewId("pi"));
        await app.DeliverOkAsync(StripeEvents.Event("checkout.session.completed", StripeEvents.Session(session, checkout.PublicId, 5000, paymentIntent: intent)));
        await app.DeliverOkAsync(StripeEvents.Event("charge.refunded", StripeEvents.Charge(intent, 5000, 1500)));
        await app.AllEventsAppliedAsync();
        var partly = await app.DonationBySessionAsync(session);
        Assert.Equal((DonationStatus.PartiallyRefunded, 1500L), (partly!.Status, partly.AmountRefunded));

        await app.DeliverOkAsync(StripeEvents.Event("charge.refunded", StripeEvents.Charge(intent, 5000, 5000)));
        await app.DeliverOkAsync(StripeEvents.Event("charge.refunded", StripeEvents.Charge(intent, 5000, 1500)));
        await app.AllEventsAppliedAsync();
        var refunded = await app.DonationBySessionAsync(session);
        Assert.Equal((DonationStatus.Refunded, 5000L), (refunded!.Status, refunded.AmountRefunded));
    }

    [Theory]
    [InlineData("lost", DonationStatus.Disputed)]
    [InlineData("won", DonationStatus.Paid)]
    public async Task A_dispute_marks_the_donation_disputed_and_its_close_decides_in_either_order(string outcome, DonationStatus expected)
    {
        foreach (var reversed in new[] { false, true })
        {
            var checkout = await app.NewCheckoutAsync(2000);
            var (session, intent) = (StripeEvents.NewId("cs"), StripeEvents.NewId("pi"));
            var completed = StripeEvents.Event("checkout.session.completed", StripeEvents.Session(session, checkout.PublicId, 2000, paymentIntent: intent));
            var opened = StripeEvents.Event("charge.dispute.created", StripeEvents.Dispute(intent, 2000, "needs_response"));
            var closed = StripeEvents.Event("charge.dispute.closed", StripeEvents.Dispute(intent, 2000, outcome));
            string[] order = reversed ? [closed, opened, completed] : [completed, opened];
            foreach (var payload in order) await app.DeliverOkAsync(payload);
            await app.AllEventsAppliedAsync();
            if (!reversed)
            {
                Assert.Equal(DonationStatus.Disputed, (await app.DonationBySessionAsync(session))!.Status);
                await app.DeliverOkAsync(closed);
                await app.AllEventsAppliedAsync();
            }
            Assert.Equal(expected, (await app.DonationBySessionAsync(session))!.Status);
        }
    }

    [Fact]
    public async Task An_async_payment_is_pending_until_it_succeeds_or_fails_in_any_order()
    {
        var (paidCheckout, failedCheckout) = (await app.NewCheckoutAsync(1500), await app.NewCheckoutAsync(1500));
        var (paid, failed) = (StripeEvents.NewId("cs"), StripeEvents.NewId("cs"));
        await app.DeliverOkAsync(StripeEvents.Event("checkout.session.completed", StripeEvents.Session(paid, paidCheckout.PublicId, 1500, "unpaid", paymentIntent: StripeEvents.NewId("pi"))));
        await app.AllEventsAppliedAsync();
        Assert.Equal(DonationStatus.Pending, (await app.DonationBySessionAsync(paid))!.Status);
        await app.DeliverOkAsync(StripeEvents.Event("checkout.session.async_payment_succeeded", StripeEvents.Session(paid, paidCheckout.PublicId, 1500, "paid")));

        // The failure arrives before the completion that said "unpaid": it stays failed.
        await app.DeliverOkAsync(StripeEvents.Event("checkout.session.async_payment_failed", StripeEvents.Session(failed, failedCheckout.PublicId, 1500, "unpaid")));
        await app.AllEventsAppliedAsync();
        await app.DeliverOkAsync(StripeEvents.Event("checkout.session.completed", StripeEvents.Session(failed, failedCheckout.PublicId, 1500, "unpaid")));
        await app.AllEventsAppliedAsync();

        Assert.Equal(DonationStatus.Paid, (await app.DonationBySessionAsync(paid))!.Status);
        Assert.Equal(DonationStatus.Failed, (await app.DonationBySessionAsync(failed))!.Status);
        Assert.Null((await app.DonationBySessionAsync(failed))!.PaidAt);
    }

    [Fact]
    public async Task A_monthly_plan_counts_its_first_invoice_once_records_each_later_payment_and_ends_cancelled()
    {
        var checkout = await app.NewCheckoutAsync(1000, "month", email: "monthly@example.org", name: "Mo");
        var (session, subscription, first, second, third) = (StripeEvents.NewId("cs"), StripeEvents.NewId("sub"), StripeEvents.NewId("in"), StripeEvents.NewId("in"), StripeEvents.NewId("in"));
        var started = DateTimeOffset.UtcNow.AddMinutes(-10);
        // The first invoice's payment arrives before the checkout session that started it.
        await app.DeliverOkAsync(StripeEvents.Event("invoice.paid", StripeEvents.Invoice(first, subscription, checkout.PublicId, 1000), created: started));
        await app.DeliverOkAsync(StripeEvents.Event("customer.subscription.updated", StripeEvents.Subscription(subscription, checkout.PublicId, "active"), created: started));
        await app.DeliverOkAsync(StripeEvents.Event("checkout.session.completed",
            StripeEvents.Session(session, checkout.PublicId, 1000, mode: "subscription", subscription: subscription, invoice: first), created: started));
        await app.DeliverOkAsync(StripeEvents.Event("invoice.paid", StripeEvents.Invoice(second, subscription, checkout.PublicId, 1000, paymentIntent: StripeEvents.NewId("pi")), created: started.AddMinutes(1)));
        await app.DeliverOkAsync(StripeEvents.Event("invoice.payment_failed", StripeEvents.Invoice(third, subscription, checkout.PublicId, 1000, paid: false), created: started.AddMinutes(2)));
        await app.AllEventsAppliedAsync();

        var (plan, gifts) = await app.WithDbAsync(async db =>
        {
            var p = await db.Set<RecurringPlan>().AsNoTracking().SingleAsync(x => x.StripeSubscriptionId == subscription);
            return (p, await db.Set<Donation>().AsNoTracking().Where(d => d.RecurringPlanId == p.Id).OrderBy(d => d.StripeInvoiceId == first ? 0 : d.StripeInvoiceId == second ? 1 : 2).ToListAsync());
        });
        Assert.Equal((RecurringPlanStatus.Active, 1000L, "month", "monthly@example.org"), (plan.Status, plan.Amount, plan.Interval, plan.DonorEmail));
        Assert.Equal(3, gifts.Count);
        Assert.Equal((first, session, DonationStatus.Paid), (gifts[0].StripeInvoiceId, gifts[0].StripeCheckoutSessionId, gifts[0].Status));
        Assert.Equal((second, DonationStatus.Paid, DonationKind.Recurring), (gifts[1].StripeInvoiceId, gifts[1].Status, gifts[1].Kind));
        Assert.Equal((third, DonationStatus.Failed), (gifts[2].StripeInvoiceId, gifts[2].Status));

        // Cancelled is final: a late "active" update, older than the deletion, does not bring the plan back.
        await app.DeliverOkAsync(StripeEvents.Event("customer.subscription.deleted", StripeEvents.Subscription(subscription, checkout.PublicId, "canceled", canceledAt: started.AddMinutes(5)), created: started.AddMinutes(5)));
        await app.DeliverOkAsync(StripeEvents.Event("customer.subscription.updated", StripeEvents.Subscription(subscription, checkout.PublicId, "active"), created: started.AddMinutes(3)));
        await app.AllEventsAppliedAsync();
        var cancelled = await app.WithDbAsync(db => db.Set<RecurringPlan>().AsNoTracking().SingleAsync(x => x.StripeSubscriptionId == subscription));
        Assert.Equal(RecurringPlanStatus.Cancelled, cancelled.Status);
        Assert.Equal(started.AddMinutes(5).ToUnixTimeSeconds(), new DateTimeOffset(cancelled.CancelledAt!.Value).ToUnixTimeSeconds());

        // Two paid invoices, two receipts.
        await NewsletterApp.EventuallyAsync(() => Task.FromResult(app.Smtp.Messages.Count(m => m.Recipients.Contains("monthly@example.org")) == 2), "two monthly receipts");
    }

    [Fact]
    public async Task An_event_that_keeps_failing_ends_failed_with_its_error_for_staff_who_can_retry_it()
    {
        // Signed by Stripe but unusable: an invoice without a currency.
        var checkout = await app.NewCheckoutAsync(1000, "month");
        var invoice = StripeEvents.Invoice(StripeEvents.NewId("in"), StripeEvents.NewId("sub"), checkout.PublicId, 1000);
        ((Dictionary<string, object?>)invoice)["currency"] = null;
        var payload = StripeEvents.Event("invoice.paid", invoice);
        await app.DeliverOkAsync(payload);

        await NewsletterApp.EventuallyAsync(() => app.WithDbAsync(db => db.Set<StripeWebhookEvent>().AnyAsync(e => e.Payload == payload && e.State == StripeEventState.Failed)), "the event marked failed");
        var staff = app.CreateStaffClient();
        var failed = await staff.GetFromJsonAsync<JsonElement>("/api/admin/donations/webhook-events?state=failed");
        var entry = failed.EnumerateArray().Single(e => e.GetProperty("type").GetString() == "invoice.paid" && e.GetProperty("note").GetString()!.Contains("currency"));
        Assert.Equal(2, entry.GetProperty("attempts").GetInt32());

        var id = entry.GetProperty("id").GetInt64();
        var retry = await staff.PostAsync($"/api/admin/donations/webhook-events/{id}/retry", null);
        Assert.Equal(HttpStatusCode.Accepted, retry.StatusCode);
        // A retry gets a fresh set of attempts (including the delayed second one) and ends failed again.
        await NewsletterApp.EventuallyAsync(() => app.WithDbAsync(db => db.Set<StripeWebhookEvent>().AnyAsync(e => e.Id == id && e.State == StripeEventState.Failed && e.Attempts == 2)),
            "the retried event failed again after two attempts", TimeSpan.FromSeconds(15));
        Assert.Equal(HttpStatusCode.NotFound, (await staff.PostAsync("/api/admin/donations/webhook-events/999999/retry", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateClient().GetAsync("/api/admin/donations/webhook-events")).StatusCode);
    }

    [Fact]
    public async Task A_monthly_payment_from_an_endpoint_on_an_api_version_before_basil_is_recorded_not_ignored()
    {
        // A webhook endpoint keeps the API version it was created with. Before 2025-03-31 ("basil") an invoice names
        // its subscription and that subscription's metadata at the top, not under parent.subscription_details.
        var (checkout, subscription) = await app.StartMonthlyGiftAsync(1500, "older-api@example.org", "Older Api");
        var (second, intent) = (StripeEvents.NewId("in"), StripeEvents.NewId("pi"));
        var invoice = new Dictionary<string, object?>
        {
            ["id"] = second, ["object"] = "invoice", ["status"] = "paid", ["amount_paid"] = 1500, ["amount_due"] = 1500,
            ["currency"] = "usd", ["billing_reason"] = "subscription_cycle", ["customer_email"] = "older-api@example.org",
            ["subscription"] = subscription,
            ["subscription_details"] = new Dictionary<string, object?> { ["metadata"] = new Dictionary<string, string> { [StripeEventApplier.CheckoutIdKey] = checkout.PublicId.ToString() } },
            ["payment_intent"] = intent,
        };
        var payload = StripeEvents.Event("invoice.paid", invoice).Replace(Stripe.StripeConfiguration.ApiVersion, "2024-06-20");
        await app.DeliverOkAsync(payload);
        await app.AllEventsAppliedAsync();

        var id = JsonDocument.Parse(payload).RootElement.GetProperty("id").GetString();
        var stored = await app.WithDbAsync(db => db.Set<StripeWebhookEvent>().AsNoTracking().SingleAsync(e => e.EventId == id));
        var donation = await app.WithDbAsync(db => db.Set<Donation>().AsNoTracking().SingleOrDefaultAsync(d => d.StripeInvoiceId == second));
        Assert.True(donation is not null, $"the second monthly payment was not recorded: event {stored.State}, note: {stored.Note}");
        var plan = await app.WithDbAsync(db => db.Set<RecurringPlan>().AsNoTracking().SingleAsync(p => p.StripeSubscriptionId == subscription));
        Assert.Equal((DonationStatus.Paid, 1500L, intent, plan.Id), (donation.Status, donation.Amount, donation.StripePaymentIntentId, donation.RecurringPlanId));
    }

    private Task<int> StoredCount() => app.WithDbAsync(db => db.Set<StripeWebhookEvent>().CountAsync());
}
