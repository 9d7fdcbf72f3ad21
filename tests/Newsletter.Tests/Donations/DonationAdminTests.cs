using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Newsletter.Donations;
using Newsletter.Email;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Donations;

/// <summary>What staff do through the API: offline gifts by hand and by CSV, listing, totals, export, annual statements, privacy.</summary>
[Collection(HostCollection.Name)]
public sealed class DonationAdminTests(DonationsApp app) : IClassFixture<DonationsApp>
{
    [Fact]
    public async Task Staff_record_offline_gifts_by_hand_and_by_csv_and_source_plus_reference_counts_once()
    {
        var staff = app.CreateStaffClient();
        var gift = new { date = "2025-03-01", amount = 5000, currency = "USD", name = "Cheque Person", email = "cheque@example.org", source = "Cheque", reference = "CHQ-1001" };
        var created = await staff.PostAsJsonAsync("/api/admin/donations/offline", gift);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var again = await staff.PostAsJsonAsync("/api/admin/donations/offline", gift);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var first = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(first.GetProperty("id").GetInt64(), (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetInt64());
        Assert.Equal(("cheque", "offline", "paid", 5000), (first.GetProperty("source").GetString(), first.GetProperty("kind").GetString(), first.GetProperty("status").GetString(), first.GetProperty("amount").GetInt32()));

        var bad = await staff.PostAsJsonAsync("/api/admin/donations/offline", new { date = "yesterday", amount = -5, currency = "dollars", source = "stripe" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await bad.Content.ReadAsStringAsync();
        Assert.Contains("date must be", problem);
        Assert.Contains("currency must be", problem);

        var csv = """
            date,amount,currency,name,email,source,reference
            2025-04-02,25.00,usd,Pat Pal,pat@example.org,paypal,PP-1
            2025-04-03,10,eur,,,venmo,V-77
            2025-04-03,10,eur,,,venmo,V-77
            2025-05-01,12.5,usd,Pat Pal,pat@example.org,paypal,PP-2
            2025-05-02,abc,usd,Nobody,,paypal,PP-3
            2025-05-02,5.00,usd,No Ref,,patreon,
            """;
        var report = await Import(staff, csv);
        Assert.Equal((3, 1, 2), (report.GetProperty("added").GetInt32(), report.GetProperty("duplicates").GetInt32(), report.GetProperty("rejected").GetInt32()));
        var errors = report.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("line").GetInt32(), e.GetProperty("reason").GetString()!)).ToList();
        Assert.Equal([6, 7], errors.Select(e => e.Item1));
        Assert.Contains("amount", errors[0].Item2);
        Assert.Contains("reference is required", errors[1].Item2);

        var twice = await Import(staff, csv);
        Assert.Equal((0, 4), (twice.GetProperty("added").GetInt32(), twice.GetProperty("duplicates").GetInt32()));
        var missingColumn = await staff.PostAsync("/api/admin/donations/import", new StringContent("date,amount\n2025-01-01,5", Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.BadRequest, missingColumn.StatusCode);

        var paypal = await staff.GetFromJsonAsync<JsonElement>("/api/admin/donations?source=paypal");
        Assert.Equal(["PP-2", "PP-1"], paypal.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("offlineReference").GetString()));
        Assert.Equal(1250, paypal.GetProperty("items")[0].GetProperty("amount").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest, (await staff.GetAsync("/api/admin/donations?status=lost")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateClient().GetAsync("/api/admin/donations")).StatusCode);
    }

    [Fact]
    public async Task Totals_export_and_annual_statements_add_up_what_was_given()
    {
        var staff = app.CreateStaffClient();
        // A year of its own, so other tests' gifts don't count: two donors, one refund, one monthly plan.
        foreach (var (date, amount, email, reference) in new[]
                 {
                     ("2024-02-10", 3000L, "big@example.org", "T-1"), ("2024-02-20", 2000L, "big@example.org", "T-2"),
                     ("2024-03-05", 1000L, "small@example.org", "T-3"), ("2024-03-06", 700L, (string?)null, "T-4"),
                 })
            Assert.Equal(HttpStatusCode.Created, (await staff.PostAsJsonAsync("/api/admin/donations/offline", new { date, amount, currency = "usd", email, name = email is null ? "Anon Cash" : null, source = "bank", reference })).StatusCode);

        var totals = await staff.GetFromJsonAsync<JsonElement>("/api/admin/donations/totals?from=2024-01-01&to=2025-01-01&groupBy=month");
        Assert.Equal([("2024-02", 5000L, 2), ("2024-03", 1700L, 2)],
            totals.GetProperty("byPeriod").EnumerateArray().Select(p => (p.GetProperty("period").GetString(), p.GetProperty("net").GetInt64(), p.GetProperty("count").GetInt32())));
        var usd = Assert.Single(totals.GetProperty("byCurrency").EnumerateArray());
        Assert.Equal(6700, usd.GetProperty("gross").GetInt64());
        Assert.Equal(3, totals.GetProperty("donorCount").GetInt32());
        var top = totals.GetProperty("topSupporters")[0];
        Assert.Equal(("big@example.org", 5000L, 2), (top.GetProperty("email").GetString(), top.GetProperty("net").GetInt64(), top.GetProperty("gifts").GetInt32()));
        var byDay = await staff.GetFromJsonAsync<JsonElement>("/api/admin/donations/totals?from=2024-01-01&to=2025-01-01&groupBy=day");
        Assert.Equal(4, byDay.GetProperty("byPeriod").GetArrayLength());
        Assert.Equal(HttpStatusCode.BadRequest, (await staff.GetAsync("/api/admin/donations/totals?groupBy=week")).StatusCode);

        var export = await staff.GetAsync("/api/admin/donations/export?from=2024-01-01&to=2025-01-01");
        Assert.Equal("text/csv", export.Content.Headers.ContentType?.MediaType);
        var lines = (await export.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("id,paid_at,created_at,source,kind,status,amount,refunded,net,currency,donor_name,donor_email", lines[0]);
        Assert.Equal(5, lines.Length);
        Assert.Contains(lines, l => l.Contains(",bank,offline,paid,30.00,0.00,30.00,USD,,big@example.org,"));

        var run = await staff.PostAsJsonAsync("/api/admin/donations/statements", new { year = 2024 });
        var result = await run.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((2, 2), (result.GetProperty("donors").GetInt32(), result.GetProperty("queued").GetInt32()));
        var statement = await app.Smtp.WaitForMessageToAsync("big@example.org", m => m.Subject == "Your 2024 donations to The Test Review");
        Assert.Contains("2024-02-10", Mail.Text(statement));
        Assert.Contains("Total for 2024: 50.00 USD", Mail.Text(statement));
        await app.Smtp.WaitForMessageToAsync("small@example.org", m => m.Subject!.Contains("2024"));
        var second = await (await staff.PostAsJsonAsync("/api/admin/donations/statements", new { year = 2024 })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((0, 2), (second.GetProperty("queued").GetInt32(), second.GetProperty("alreadyQueued").GetInt32()));
        Assert.Equal(HttpStatusCode.BadRequest, (await staff.PostAsJsonAsync("/api/admin/donations/statements", new { year = 1999 })).StatusCode);
    }

    [Fact]
    public async Task Monthly_plans_make_recurring_revenue_and_a_refund_lowers_the_net()
    {
        var checkout = await app.NewCheckoutAsync(1500, "month", email: "mrr@example.org");
        var (subscription, invoice) = (StripeEvents.NewId("sub"), StripeEvents.NewId("in"));
        await app.DeliverOkAsync(StripeEvents.Event("customer.subscription.updated", StripeEvents.Subscription(subscription, checkout.PublicId, "active", 1500)));
        await app.AllEventsAppliedAsync();
        var totals = await app.CreateStaffClient().GetFromJsonAsync<JsonElement>("/api/admin/donations/totals");
        Assert.Contains(totals.GetProperty("monthlyRecurringRevenue").EnumerateArray(), m => m.GetProperty("currency").GetString() == "usd" && m.GetProperty("amount").GetInt64() >= 1500);
        var plans = await app.CreateStaffClient().GetFromJsonAsync<JsonElement>("/api/admin/donations/plans");
        Assert.Contains(plans.EnumerateArray(), p => p.GetProperty("stripeSubscriptionId").GetString() == subscription && p.GetProperty("status").GetString() == "Active");
    }

    [Fact]
    public async Task A_subscribers_data_export_lists_their_donations_and_erasure_keeps_the_money_but_forgets_the_donor()
    {
        var reader = app.CreateReaderClient();
        await reader.PostAsJsonAsync("/api/subscribers", new { email = "giver@example.org", name = "Giver" });
        var subscriberId = await app.WithDbAsync(db => db.Set<Newsletter.Subscribers.Subscriber>().Where(s => s.EmailKey == "giver@example.org").Select(s => s.Id).SingleAsync());
        var checkout = await app.NewCheckoutAsync(4200, email: "giver@example.org", name: "Giver", message: "personal note");
        var session = StripeEvents.NewId("cs");
        await app.DeliverOkAsync(StripeEvents.Event("checkout.session.completed", StripeEvents.Session(session, checkout.PublicId, 4200, paymentIntent: StripeEvents.NewId("pi"))));
        await app.AllEventsAppliedAsync();
        var donation = await app.DonationBySessionAsync(session);
        Assert.Equal(subscriberId, donation!.SubscriberId);

        var staff = app.CreateStaffClient();
        var data = await staff.GetFromJsonAsync<JsonElement>($"/api/admin/subscribers/{subscriberId}/data");
        var gift = Assert.Single(data.GetProperty("more").GetProperty("donations").GetProperty("donations").EnumerateArray());
        Assert.Equal((4200, "personal note"), (gift.GetProperty("amount").GetInt32(), gift.GetProperty("message").GetString()));

        Assert.Equal(HttpStatusCode.NoContent, (await staff.DeleteAsync($"/api/admin/subscribers/{subscriberId}")).StatusCode);
        var kept = await app.DonationBySessionAsync(session);
        Assert.Equal((4200L, "usd", DonationStatus.Paid), (kept!.Amount, kept.Currency, kept.Status));
        Assert.Equal((null, null, null, null, (long?)null), (kept.DonorName, kept.DonorEmail, kept.DonorEmailKey, kept.Message, kept.SubscriberId));
        Assert.False(await app.WithDbAsync(db => db.Set<TransactionalEmail>().AnyAsync(e => e.Kind == DonationLedger.ReceiptKind && e.Recipient == "giver@example.org")));
        Assert.False(await app.WithDbAsync(db => db.Set<DonationCheckout>().AnyAsync(c => c.DonorEmail == "giver@example.org")));
    }

    private static async Task<JsonElement> Import(HttpClient staff, string csv)
    {
        var response = await staff.PostAsync("/api/admin/donations/import", new StringContent(csv, Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
