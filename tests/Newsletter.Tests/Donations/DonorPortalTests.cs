using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Donations;
using Newsletter.Email;
using Newsletter.Links;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Donations;

/// <summary>Donors manage their own giving: the signed link (from a receipt or on request), the Billing Portal session with the exact request, and the plan following the portal's events.</summary>
[Collection(HostCollection.Name)]
public sealed class DonorPortalTests(SupportersApp app) : IClassFixture<SupportersApp>
{
    private async Task<(string Subscription, Guid Checkout)> MonthlyGiftAsync(string email, string customer, long amount = 1000)
    {
        var checkout = await app.NewCheckoutAsync(amount, "month", email: email, name: "Monthly Donor");
        var (session, subscription, invoice) = (StripeEvents.NewId("cs"), StripeEvents.NewId("sub"), StripeEvents.NewId("in"));
        var at = DateTimeOffset.UtcNow.AddMinutes(-30);
        await app.DeliverOkAsync(StripeEvents.Event("checkout.session.completed", StripeEvents.Session(session, checkout.PublicId, amount, mode: "subscription",
            subscription: subscription, invoice: invoice, customer: customer), created: at));
        await app.DeliverOkAsync(StripeEvents.Event("invoice.paid", StripeEvents.Invoice(invoice, subscription, checkout.PublicId, amount, paymentIntent: StripeEvents.NewId("pi"), customer: customer), created: at));
        await app.AllEventsAppliedAsync();
        return (subscription, checkout.PublicId);
    }

    [Fact]
    public async Task The_receipts_link_opens_the_donors_page_and_its_button_opens_a_billing_portal_session_for_their_customer()
    {
        await MonthlyGiftAsync("portal@example.org", "cus_portal1");
        var receipt = await app.Smtp.WaitForMessageToAsync("portal@example.org");
        var link = Mail.Link(receipt, "/donate/manage/");
        var reader = app.CreateReaderClient();
        var page = await reader.GetStringAsync(link);
        Assert.Contains("10.00 USD every month since", page);
        Assert.Contains("name=\"customer\" value=\"cus_portal1\"", page);

        app.Stripe.Clear();
        var opened = await reader.PostAsync(link + "/portal", new FormUrlEncodedContent([new("customer", "cus_portal1")]));
        Assert.Equal(HttpStatusCode.SeeOther, opened.StatusCode);
        Assert.StartsWith("https://billing.stripe.test/p/session/bps_test_", opened.Headers.Location!.ToString());
        var request = Assert.Single(app.Stripe.Requests);
        Assert.Equal(("POST", "/v1/billing_portal/sessions"), (request.Method, request.Path));
        Assert.Equal("Bearer sk_test_fake_0123456789", request.Headers["Authorization"]);
        var form = request.Form;
        Assert.Equal(["customer", "return_url"], form.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("cus_portal1", form["customer"]);
        Assert.StartsWith("http://localhost/donate/manage/", form["return_url"]);

        // Someone else's customer is refused and Stripe is not asked.
        app.Stripe.Clear();
        var foreign = await reader.PostAsync(link + "/portal", new FormUrlEncodedContent([new("customer", "cus_someone_else")]));
        Assert.Equal(HttpStatusCode.BadRequest, foreign.StatusCode);
        Assert.Empty(app.Stripe.Requests);
    }

    [Fact]
    public async Task A_donor_who_moves_to_a_quarterly_price_sees_every_3_months_and_counts_a_third_of_it_in_the_monthly_revenue()
    {
        var (subscription, checkout) = await MonthlyGiftAsync("quarterly@example.org", "cus_quarterly1");
        var link = Mail.Link(await app.Smtp.WaitForMessageToAsync("quarterly@example.org"), "/donate/manage/");
        var staff = app.CreateStaffClient();
        async Task<long> RevenueAsync() => (await staff.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/admin/donations/totals"))
            .GetProperty("monthlyRecurringRevenue").EnumerateArray().Where(m => m.GetProperty("currency").GetString() == "usd").Sum(m => m.GetProperty("amount").GetInt64());
        var before = await RevenueAsync();

        // In the Billing Portal the donor picks 45.00 every three months (Stripe: interval month, interval_count 3).
        await app.DeliverOkAsync(StripeEvents.Event("customer.subscription.updated",
            StripeEvents.Subscription(subscription, checkout, "active", 4500, customer: "cus_quarterly1", intervalCount: 3)));
        await app.AllEventsAppliedAsync();

        var plan = await app.WithDbAsync(db => db.Set<RecurringPlan>().AsNoTracking().SingleAsync(p => p.StripeSubscriptionId == subscription));
        Assert.Equal((4500L, "month", 3), (plan.Amount, plan.Interval, plan.IntervalCount));
        Assert.Contains("45.00 USD every 3 months since", await app.CreateReaderClient().GetStringAsync(link));
        // 10.00 a month became 15.00 a month, not 45.00.
        Assert.Equal(before + 500, await RevenueAsync());
    }

    [Fact]
    public async Task Forged_and_expired_links_open_nothing_and_an_expired_one_asks_for_the_address_again()
    {
        await MonthlyGiftAsync("expired@example.org", "cus_expired1");
        var token = await app.ManageTokenAsync("expired@example.org");
        var access = await app.WithDbAsync(db => db.Set<DonorAccess>().AsNoTracking().SingleAsync(a => a.EmailKey == "expired@example.org"));
        var expired = app.Tokens.Create(LinkPurpose.DonorManage, access.PublicId, DateTime.UtcNow.AddMinutes(-1));
        var wrongPurpose = app.Tokens.Create(LinkPurpose.Manage, access.PublicId);
        var reader = app.CreateReaderClient();
        app.Stripe.Clear();

        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync($"/donate/manage/{token}")).StatusCode);
        var old = await reader.GetAsync($"/donate/manage/{expired}");
        Assert.Equal(HttpStatusCode.Gone, old.StatusCode);
        Assert.Contains("That link has expired", await old.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await reader.GetAsync($"/donate/manage/{wrongPurpose}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await reader.GetAsync($"/donate/manage/{token[..^2]}xx")).StatusCode);
        Assert.Equal(HttpStatusCode.Gone, (await reader.PostAsync($"/donate/manage/{expired}/portal", new FormUrlEncodedContent([new("customer", "cus_expired1")]))).StatusCode);
        Assert.Empty(app.Stripe.Requests);
    }

    [Fact]
    public async Task Asking_for_a_link_mails_donors_once_in_ten_minutes_and_tells_strangers_the_same_without_mailing_them()
    {
        await MonthlyGiftAsync("asks@example.org", "cus_asks1");
        var reader = app.CreateReaderClient();
        Assert.Contains("Email me a link", await reader.GetStringAsync("/donate/manage"));
        var asked = await reader.PostAsync("/donate/manage", new FormUrlEncodedContent([new("email", "asks@EXAMPLE.org")]));
        var stranger = await reader.PostAsync("/donate/manage", new FormUrlEncodedContent([new("email", "never-gave@example.org")]));
        Assert.Equal(HttpStatusCode.OK, asked.StatusCode);
        Assert.Equal(await asked.Content.ReadAsStringAsync(), await stranger.Content.ReadAsStringAsync());
        var email = await app.Smtp.WaitForMessageToAsync("asks@example.org", m => m.Subject!.StartsWith("Your gifts to", StringComparison.Ordinal));
        Assert.Contains("cus_asks1", await reader.GetStringAsync(Mail.Link(email, "/donate/manage/")));
        await reader.PostAsync("/donate/manage", new FormUrlEncodedContent([new("email", "asks@example.org")]));
        Assert.Equal(1, await app.WithDbAsync(db => db.Set<TransactionalEmail>().CountAsync(e => e.Kind == DonorPortal.ManageLinkKind && e.Recipient == "asks@example.org")));
        Assert.False(await app.WithDbAsync(db => db.Set<TransactionalEmail>().AnyAsync(e => e.Recipient == "never-gave@example.org")));
        Assert.Equal(HttpStatusCode.BadRequest, (await reader.PostAsync("/donate/manage", new FormUrlEncodedContent([new("email", "not an address")]))).StatusCode);
    }

    [Fact]
    public async Task Changes_made_in_the_portal_update_the_plan_new_amount_pause_resume_and_cancel()
    {
        var (subscription, checkout) = await MonthlyGiftAsync("changes@example.org", "cus_changes1");
        var at = DateTimeOffset.UtcNow.AddMinutes(-10);
        async Task<RecurringPlan> After(string type, object subscriptionObject, int minute)
        {
            await app.DeliverOkAsync(StripeEvents.Event(type, subscriptionObject, created: at.AddMinutes(minute)));
            await app.AllEventsAppliedAsync();
            return await app.WithDbAsync(db => db.Set<RecurringPlan>().AsNoTracking().SingleAsync(p => p.StripeSubscriptionId == subscription));
        }
        // The portal changes the amount as a quantity of a per-unit price or as another price: both are price × quantity.
        var raised = await After("customer.subscription.updated", StripeEvents.Subscription(subscription, checkout, "active", 500, customer: "cus_changes1", quantity: 5), 1);
        Assert.Equal((RecurringPlanStatus.Active, 2500L), (raised.Status, raised.Amount));
        Assert.Equal(RecurringPlanStatus.Paused, (await After("customer.subscription.updated", StripeEvents.Subscription(subscription, checkout, "active", 2500, customer: "cus_changes1", collectionPaused: true), 2)).Status);
        Assert.Equal(RecurringPlanStatus.Active, (await After("customer.subscription.resumed", StripeEvents.Subscription(subscription, checkout, "active", 2500, customer: "cus_changes1"), 3)).Status);
        Assert.Equal(RecurringPlanStatus.Paused, (await After("customer.subscription.paused", StripeEvents.Subscription(subscription, checkout, "paused", 2500, customer: "cus_changes1"), 4)).Status);
        // An older update arriving late changes nothing.
        Assert.Equal((RecurringPlanStatus.Paused, 2500L), await After("customer.subscription.updated", StripeEvents.Subscription(subscription, checkout, "active", 700, customer: "cus_changes1"), 0)
            is var late ? (late.Status, late.Amount) : default);
        var cancelled = await After("customer.subscription.deleted", StripeEvents.Subscription(subscription, checkout, "canceled", 2500, canceledAt: at.AddMinutes(5), customer: "cus_changes1"), 5);
        Assert.Equal(RecurringPlanStatus.Cancelled, cancelled.Status);
        Assert.Equal(RecurringPlanStatus.Cancelled, (await After("customer.subscription.resumed", StripeEvents.Subscription(subscription, checkout, "active", 2500, customer: "cus_changes1"), 6)).Status);
    }

    /// <summary>
    /// "At most one email per address per 10 minutes" (DonorPortal.RequestWindow), also across the edge of a ten-minute
    /// bucket of the clock: two requests at 10:09:59 and 10:10:01 mailed the donor twice.
    /// </summary>
    [Fact]
    public async Task Two_manage_link_requests_two_seconds_apart_send_one_email()
    {
        var staff = app.CreateStaffClient();
        Assert.Equal(HttpStatusCode.Created, (await staff.PostAsJsonAsync("/api/admin/donations/offline",
            new { date = "2025-03-01", amount = 1000, currency = "usd", email = "window@example.org", source = "cheque", reference = "WIN-1" })).StatusCode);
        var clock = new FixedClock(new DateTimeOffset(2026, 12, 1, 10, 9, 59, TimeSpan.Zero));
        foreach (var at in new[] { clock.Now, clock.Now.AddSeconds(2) })
        {
            clock.Now = at;
            await using var scope = app.Services.CreateAsyncScope();
            var portal = ActivatorUtilities.CreateInstance<DonorPortal>(scope.ServiceProvider, (TimeProvider)clock);
            await portal.RequestLinkAsync(EmailAddress.FromStored("window@example.org"), CancellationToken.None);
        }
        var rows = await app.WithDbAsync(db => db.Set<TransactionalEmail>().CountAsync(e => e.Kind == DonorPortal.ManageLinkKind && e.Recipient == "window@example.org"));
        Assert.Equal(1, rows);
    }

    [Fact]
    public async Task The_manage_page_offers_statements_only_for_years_with_a_statement()
    {
        // 2023: a cheque, kept. 2024: a card gift refunded in full, which no statement lists: no link to a 404.
        const string donor = "years@example.org";
        Assert.Equal(HttpStatusCode.Created, (await app.CreateStaffClient().PostAsJsonAsync("/api/admin/donations/offline",
            new { date = "2023-05-01", amount = 1000, currency = "usd", email = donor, source = "cheque", reference = "YEARS-1" })).StatusCode);
        var checkout = await app.NewCheckoutAsync(2000, email: donor);
        var intent = StripeEvents.NewId("pi");
        var paidAt = new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);
        await app.DeliverOkAsync(StripeEvents.Event("checkout.session.completed", StripeEvents.Session(StripeEvents.NewId("cs"), checkout.PublicId, 2000, paymentIntent: intent), created: paidAt));
        await app.DeliverOkAsync(StripeEvents.Event("charge.refunded", StripeEvents.Charge(intent, 2000, 2000), created: paidAt.AddDays(1)));
        await app.AllEventsAppliedAsync();

        await using var scope = app.Services.CreateAsyncScope();
        Assert.Equal([2023], await scope.ServiceProvider.GetRequiredService<DonorPortal>().StatementYearsAsync(donor, CancellationToken.None));
    }
}
