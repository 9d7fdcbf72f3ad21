using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Newsletter.Donations;
using Newsletter.Web;
using Newsletter.Tests.Dashboard;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Donations;

/// <summary>Campaigns with a goal: the page and the embeddable bar, what counts toward the goal (dates, monthly gifts, covered fees), staff's totals.</summary>
[Collection(HostCollection.Name)]
public sealed class CampaignTests(SupportersApp app) : IClassFixture<SupportersApp>
{
    private async Task<JsonElement> CreateAsync(string slug, long goal, string startsOn, string endsOn, string currency = "usd", string? thanks = null)
    {
        var response = await app.CreateStaffClient().PostAsJsonAsync("/api/admin/donations/campaigns",
            new { slug, name = $"Campaign {slug}", goalAmount = goal, currency, startsOn, endsOn, thankYouText = thanks });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task A_gift_through_the_campaign_page_counts_toward_its_goal_and_the_bar_shows_it()
    {
        var start = DateTime.UtcNow.AddHours(-5).AddDays(-3).ToString("yyyy-MM-dd");
        var end = DateTime.UtcNow.AddHours(-5).AddDays(9).ToString("yyyy-MM-dd");
        var campaign = await CreateAsync("roof-fund", 100000, start, end, thanks: "Every tile counts.");
        app.Stripe.Clear();
        var reader = app.CreateReaderClient();
        var page = await reader.GetStringAsync("/donate?campaign=roof-fund");
        Assert.Contains("0.00 USD raised of 1000.00 USD", page);
        Assert.Contains("name=\"campaign\" value=\"roof-fund\"", page);

        var posted = await reader.PostAsync("/donate/checkout", new FormUrlEncodedContent([
            new("campaign", "roof-fund"), new("amount", "2500"), new("interval", "once"), new("email", "roofer@example.org"), new("cover_fees", "on")]));
        Assert.Equal(HttpStatusCode.SeeOther, posted.StatusCode);
        var form = Assert.Single(app.Stripe.Requests).Form;
        // 25.00 plus what covers 2.9% + 0.30 of the total: 1.06.
        Assert.Equal("2606", form["line_items[0][price_data][unit_amount]"]);
        Assert.Equal("Donation to The Test Review for Campaign roof-fund (including 1.06 USD to cover card fees)", form["line_items[0][price_data][product_data][name]"]);
        Assert.Equal("http://localhost/donate/thanks?session_id={CHECKOUT_SESSION_ID}&campaign=roof-fund", form["success_url"]);
        var checkout = await app.WithDbAsync(db => db.Set<DonationCheckout>().AsNoTracking().SingleAsync(c => c.DonorEmail == "roofer@example.org"));
        Assert.Equal((2500L, 106L, campaign.GetProperty("id").GetInt64()), (checkout.Amount, checkout.CoveredFee, checkout.CampaignId!.Value));

        var session = StripeEvents.NewId("cs");
        await app.DeliverOkAsync(StripeEvents.Event("checkout.session.completed", StripeEvents.Session(session, checkout.PublicId, 2606, paymentIntent: StripeEvents.NewId("pi"))));
        await app.AllEventsAppliedAsync();
        var donation = await app.DonationBySessionAsync(session);
        // The ledger keeps the gross and the covered fee apart.
        Assert.Equal((2606L, 106L, checkout.CampaignId), (donation!.Amount, donation.CoveredFee, donation.CampaignId));

        // Covered fees do not count toward the goal here (Donations:FeeCover:CountTowardGoals is off).
        Assert.Contains("25.00 USD raised of 1000.00 USD", await reader.GetStringAsync("/donate?campaign=roof-fund"));
        var image = await reader.GetAsync("/donate/campaigns/roof-fund/progress.svg");
        Assert.Equal("image/svg+xml", image.Content.Headers.ContentType?.MediaType);
        var svg = await image.Content.ReadAsStringAsync();
        Assert.Contains("25.00 USD raised of 1000.00 USD", svg);
        Assert.Contains("1 donor ·", svg);
        Assert.Contains("days left", svg);
        Assert.DoesNotContain("<script", svg);
        var receipt = Mail.Text(await app.Smtp.WaitForMessageToAsync("roofer@example.org"));
        Assert.Contains("Every tile counts.", receipt);
        Assert.Contains("1.06 USD you added to cover the card fees", receipt);
        Assert.Contains("Every tile counts.", await reader.GetStringAsync("/donate/thanks?session_id=x&campaign=roof-fund"));
    }

    [Fact]
    public async Task Monthly_payments_count_only_while_the_campaign_runs_and_staff_see_the_totals_and_the_snippet()
    {
        var campaign = await CreateAsync("winter-2025", 50000, "2025-01-01", "2025-01-31");
        var campaignId = campaign.GetProperty("id").GetInt64();
        var checkout = await app.WithDbAsync(async db =>
        {
            var c = new DonationCheckout { Amount = 1000, Currency = "usd", Interval = "month", CampaignId = campaignId, DonorEmail = "winter@example.org", DonorEmailKey = "winter@example.org", CreatedAt = DateTime.UtcNow };
            db.Add(c);
            await db.SaveChangesAsync();
            return c;
        });
        var subscription = StripeEvents.NewId("sub");
        var ny = TimeSpan.FromHours(-5);
        // Paid on the first day at 00:30 and on the last day at 23:30 in New York (count), then on 1 February at 00:30 (does not).
        foreach (var paid in new[] { new DateTimeOffset(2025, 1, 1, 0, 30, 0, ny), new DateTimeOffset(2025, 1, 31, 23, 30, 0, ny), new DateTimeOffset(2025, 2, 1, 0, 30, 0, ny) })
            await app.DeliverOkAsync(StripeEvents.Event("invoice.paid", StripeEvents.Invoice(StripeEvents.NewId("in"), subscription, checkout.PublicId, 1000, paymentIntent: StripeEvents.NewId("pi")), created: paid));
        // A gift given to it in December, before it started, does not count either.
        await app.WithDbAsync(async db =>
        {
            db.Add(new Donation { Source = "cheque", Kind = DonationKind.Offline, Amount = 7000, Currency = "usd", Outcome = PaymentOutcome.Paid, Status = DonationStatus.Paid,
                PaidAt = new DateTime(2024, 12, 31, 12, 0, 0, DateTimeKind.Utc), OfflineReference = "W-EARLY", CampaignId = campaignId, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        });
        await app.AllEventsAppliedAsync();
        Assert.Equal(3, await app.WithDbAsync(db => db.Set<Donation>().CountAsync(d => d.CampaignId == campaignId && d.Kind == DonationKind.Recurring)));

        var totals = await app.CreateStaffClient().GetFromJsonAsync<JsonElement>($"/api/admin/donations/campaigns/{campaignId}");
        Assert.Equal((2000L, 2, 1, "ended", 4L), (totals.GetProperty("raised").GetInt64(), totals.GetProperty("gifts").GetInt32(), totals.GetProperty("donors").GetInt32(),
            totals.GetProperty("state").GetString(), totals.GetProperty("percent").GetInt64()));

        await StaffBrowser.EnsureAccountAsync(app, "campaign-editor@example.org", StaffRoles.Editor);
        var browser = new StaffBrowser(app);
        await browser.LogInAsync("campaign-editor@example.org");
        var page = await browser.GetPageAsync("/admin/donations/campaigns");
        var row = page[page.IndexOf("data-slug=\"winter-2025\"", StringComparison.Ordinal)..];
        Assert.Contains("20.00 USD", row[..row.IndexOf("</tr>", StringComparison.Ordinal)]);
        Assert.Contains("&lt;img src=&quot;http://localhost/donate/campaigns/winter-2025/progress.svg&quot;", page);

        // Staff create one through the form; a taken slug and a bad date are refused with the reason and change nothing.
        var created = await browser.PostFormAsync("/admin/donations/campaigns?handler=save", [new("Form.Name", "Spring books"), new("Form.Slug", "spring-books"),
            new("Form.Goal", "2500.00"), new("Form.Currency", "eur"), new("Form.StartsOn", "2031-03-01"), new("Form.EndsOn", "2031-03-31")], "/admin/donations/campaigns");
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        var goal = await app.WithDbAsync(db => db.Set<Campaign>().AsNoTracking().SingleAsync(c => c.Slug == "spring-books"));
        Assert.Equal((250000L, "eur"), (goal.GoalAmount, goal.Currency));
        var taken = await browser.PostFormAsync("/admin/donations/campaigns?handler=save", [new("Form.Name", "Again"), new("Form.Slug", "spring-books"),
            new("Form.Goal", "10"), new("Form.Currency", "eur"), new("Form.StartsOn", "2031-04-01"), new("Form.EndsOn", "2031-03-31")], "/admin/donations/campaigns");
        Assert.Equal(HttpStatusCode.BadRequest, taken.StatusCode);
        Assert.Contains("the end date must not be before the start date.", await taken.Content.ReadAsStringAsync());
        Assert.Equal(1, await app.WithDbAsync(db => db.Set<Campaign>().CountAsync(c => c.Slug == "spring-books")));
    }

    [Fact]
    public async Task Bad_campaigns_and_gifts_to_an_ended_or_unknown_campaign_are_refused_with_the_reason()
    {
        var staff = app.CreateStaffClient();
        var bad = await staff.PostAsJsonAsync("/api/admin/donations/campaigns", new { slug = "Not A Slug", name = "", goalAmount = -5, currency = "gbp", startsOn = "soon", endsOn = "later" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await bad.Content.ReadAsStringAsync();
        Assert.Contains("slug must be", problem);
        Assert.Contains("currency must be one the donate page offers", problem);
        await CreateAsync("over-2020", 1000, "2020-01-01", "2020-01-31");
        Assert.Equal(HttpStatusCode.BadRequest, (await staff.PostAsJsonAsync("/api/admin/donations/campaigns",
            new { slug = "over-2020", name = "Dup", goalAmount = 100, currency = "usd", startsOn = "2020-01-01", endsOn = "2020-01-02" })).StatusCode);

        app.Stripe.Clear();
        var ended = await app.CreateReaderClient().GetAsync("/donate/checkout?amount=2500&campaign=over-2020");
        Assert.Equal(HttpStatusCode.BadRequest, ended.StatusCode);
        Assert.Contains("ended on 2020-01-31", await ended.Content.ReadAsStringAsync());
        var unknown = await app.CreateReaderClient().GetAsync("/donate/checkout?amount=2500&campaign=nope");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Empty(app.Stripe.Requests);
        Assert.Equal(HttpStatusCode.NotFound, (await app.CreateReaderClient().GetAsync("/donate?campaign=nope")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.CreateReaderClient().GetAsync("/donate/campaigns/nope/progress.svg")).StatusCode);
        // The ended campaign's page still shows its result, above a form for a general gift.
        var page = await app.CreateReaderClient().GetStringAsync("/donate?campaign=over-2020");
        Assert.Contains("Ended 2020-01-31", page);
        Assert.DoesNotContain("name=\"campaign\"", page);
    }
}
