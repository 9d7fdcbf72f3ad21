using System.Net;
using Microsoft.EntityFrameworkCore;
using Newsletter.Donations;
using Newsletter.Email;
using Newsletter.Tests.Support;
using Newsletter.Web;

namespace Newsletter.Tests.Dashboard;

/// <summary>
/// The Donations page through the host's HTTP pipeline (TestServer) as a logged-in editor: recording an offline gift, a CSV import with its report,
/// filters and totals, the CSV export, annual statements, and the overview's donation card.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class DonationPagesTests(PagesApp app) : IClassFixture<PagesApp>, IAsyncLifetime
{
    private readonly StaffBrowser _browser = new(app);

    public async Task InitializeAsync()
    {
        await StaffBrowser.EnsureAccountAsync(app, "money-editor@example.org", StaffRoles.Editor);
        await _browser.LogInAsync("money-editor@example.org");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task An_offline_gift_is_recorded_once_shows_in_the_list_totals_export_and_overview()
    {
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd");
        var before = await NetAsync("eur");
        var recorded = await _browser.PostFormAsync("/admin/donations?handler=offline", [new("Gift.Date", today), new("Gift.Amount", "42.50"),
            new("Gift.Currency", "EUR"), new("Gift.Source", "cheque"), new("Gift.Reference", "CHQ-1001"), new("Gift.Name", "Ada Donor"), new("Gift.Email", "ada@donors.example")], "/admin/donations");
        Assert.Equal(HttpStatusCode.Redirect, recorded.StatusCode);
        var gift = await app.WithDbAsync(db => db.Set<Donation>().AsNoTracking().SingleAsync(d => d.OfflineReference == "CHQ-1001"));
        Assert.Equal((4250L, "eur", DonationKind.Offline, DonationStatus.Paid, "ada@donors.example"), (gift.Amount, gift.Currency, gift.Kind, gift.Status, gift.DonorEmail));
        Assert.Equal(before + 4250, await NetAsync("eur"));

        // The same source and reference again adds nothing.
        var twice = await _browser.PostFormAsync("/admin/donations?handler=offline", [new("Gift.Date", today), new("Gift.Amount", "42.50"),
            new("Gift.Currency", "EUR"), new("Gift.Source", "cheque"), new("Gift.Reference", "CHQ-1001")], "/admin/donations");
        Assert.EndsWith("notice=already-recorded", twice.Headers.Location!.OriginalString);
        Assert.Equal(1, await app.WithDbAsync(db => db.Set<Donation>().CountAsync(d => d.OfflineReference == "CHQ-1001")));

        var list = await _browser.GetPageAsync("/admin/donations?currency=eur&kind=offline&status=paid");
        Assert.Contains("42.50 EUR", list);
        Assert.Contains("Ada Donor", list);
        Assert.DoesNotContain("Ada Donor", await _browser.GetPageAsync("/admin/donations?kind=recurring"));
        Assert.DoesNotContain("Ada Donor", await _browser.GetPageAsync("/admin/donations?from=2001-01-01&to=2001-12-31"));
        var badFilter = await _browser.Http.GetAsync("/admin/donations?status=generous");
        Assert.Equal(HttpStatusCode.BadRequest, badFilter.StatusCode);
        Assert.Contains("Unknown status.", await badFilter.Content.ReadAsStringAsync());

        var export = await _browser.Http.GetAsync("/admin/donations?handler=export");
        Assert.Equal("text/csv", export.Content.Headers.ContentType?.MediaType);
        var csv = await export.Content.ReadAsStringAsync();
        Assert.StartsWith("id,paid_at,", csv);
        Assert.Contains("42.50,0.00,42.50,EUR,Ada Donor,ada@donors.example", csv);

        var overview = await _browser.GetPageAsync("/admin");
        Assert.Contains("This month", overview);
        Assert.Contains(Money.Format(await NetThisMonthAsync("eur"), "eur"), overview);
        Assert.Contains("data-chart=", overview.Split("id=\"donations\"")[1]);
    }

    [Fact]
    public async Task A_bad_gift_is_refused_with_the_reason_and_changes_nothing()
    {
        var count = await app.WithDbAsync(db => db.Set<Donation>().CountAsync());
        var bad = await _browser.PostFormAsync("/admin/donations?handler=offline", [new("Gift.Date", "yesterday"), new("Gift.Amount", "-5"),
            new("Gift.Currency", "euro"), new("Gift.Source", "stripe")], "/admin/donations");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var html = await bad.Content.ReadAsStringAsync();
        Assert.Contains("date must be a date like 2026-03-01.", html);
        Assert.Contains("currency must be a three-letter code like USD.", html);
        Assert.Equal(count, await app.WithDbAsync(db => db.Set<Donation>().CountAsync()));
    }

    [Fact]
    public async Task A_csv_import_adds_the_good_lines_reports_the_bad_ones_and_a_second_import_adds_nothing()
    {
        const string csv = "date,amount,currency,name,email,source,reference\n2026-01-05,10.00,usd,Grace,grace@donors.example,paypal,PP-1\n" +
                           "2026-01-06,abc,usd,Bad,bad@donors.example,paypal,PP-2\n2026-01-07,5,usd,Alan,,venmo,VM-1\n";
        var first = await ImportAsync(csv);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var report = await first.Content.ReadAsStringAsync();
        Assert.Contains("2 added, 0 already recorded, 1 rejected", report);
        Assert.Contains("amount must be a positive number like 25.00.", report);
        Assert.Equal(2, await app.WithDbAsync(db => db.Set<Donation>().CountAsync(d => d.OfflineReference == "PP-1" || d.OfflineReference == "VM-1")));
        Assert.Contains("0 added, 2 already recorded, 1 rejected", await (await ImportAsync(csv)).Content.ReadAsStringAsync());

        var notCsv = await ImportAsync("just,some,columns\n1,2,3\n");
        Assert.Equal(HttpStatusCode.BadRequest, notCsv.StatusCode);
        Assert.Contains("The first line must name the columns", await notCsv.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Annual_statements_are_queued_once_per_donor_and_year()
    {
        var year = DateTime.UtcNow.Year - 1;
        await _browser.PostFormAsync("/admin/donations?handler=offline", [new("Gift.Date", $"{year}-06-01"), new("Gift.Amount", "15"),
            new("Gift.Currency", "usd"), new("Gift.Source", "paypal"), new("Gift.Reference", "STMT-1"), new("Gift.Email", "annual@donors.example")], "/admin/donations");
        var first = await _browser.PostFormAsync("/admin/donations?handler=statements", [new("year", year.ToString())], "/admin/donations");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Contains($"Statements for {year}:", await first.Content.ReadAsStringAsync());
        var second = await _browser.PostFormAsync("/admin/donations?handler=statements", [new("year", year.ToString())], "/admin/donations");
        Assert.Contains("0 queued", await second.Content.ReadAsStringAsync());
        Assert.Equal(1, await app.WithDbAsync(db => db.Set<TransactionalEmail>().CountAsync(e => e.Kind == DonationStatementComposer.StatementKind && e.Recipient == "annual@donors.example")));
        // What the donor reads: the year, the one gift with its amount, the total, and the PDF attached.
        var statement = Mail.Text(await app.Smtp.WaitForMessageToAsync("annual@donors.example"));
        Assert.Contains($"Here are your gifts to The Test Review in {year}.", statement);
        Assert.Matches($@"{year}-06-01 .* 15\.00 USD", statement);
        Assert.Contains($"Total for {year}: 15.00 USD", statement);
        Assert.Single((await app.Smtp.WaitForMessageToAsync("annual@donors.example")).Attachments, a => a.ContentType.MimeType == "application/pdf");
        var badYear = await _browser.PostFormAsync("/admin/donations?handler=statements", [new("year", "1999")], "/admin/donations");
        Assert.Equal(HttpStatusCode.BadRequest, badYear.StatusCode);
    }

    [Fact]
    public async Task The_overview_card_shows_this_month_last_month_recurring_revenue_and_a_bar_per_month()
    {
        // A clock far ahead, so only the gifts made here fall into its months.
        var now = new DateTime(2041, 2, 15, 12, 0, 0, DateTimeKind.Utc);
        await app.WithDbAsync(async db =>
        {
            Donation Gift(string reference, DateTime paid, long amount, string currency, long refunded = 0) => new()
            {
                Source = "cheque", Kind = DonationKind.Offline, Amount = amount, AmountRefunded = refunded, Currency = currency, Outcome = PaymentOutcome.Paid,
                Status = DonationStatus.Paid, PaidAt = paid, OfflineReference = reference, CreatedAt = paid, UpdatedAt = paid,
            };
            db.AddRange(Gift("OV-1", new DateTime(2041, 2, 3, 0, 0, 0, DateTimeKind.Utc), 5000, "usd", refunded: 1000),
                Gift("OV-2", new DateTime(2041, 2, 14, 0, 0, 0, DateTimeKind.Utc), 700, "eur"),
                Gift("OV-3", new DateTime(2041, 1, 31, 23, 0, 0, DateTimeKind.Utc), 2500, "usd"),
                Gift("OV-4", new DateTime(2040, 1, 10, 0, 0, 0, DateTimeKind.Utc), 9900, "usd"));
            db.AddRange(new RecurringPlan { StripeSubscriptionId = "sub_ov_1", Amount = 1000, Currency = "usd", Interval = "month", Status = RecurringPlanStatus.Active },
                new RecurringPlan { StripeSubscriptionId = "sub_ov_2", Amount = 12000, Currency = "usd", Interval = "year", Status = RecurringPlanStatus.Active },
                new RecurringPlan { StripeSubscriptionId = "sub_ov_3", Amount = 5000, Currency = "usd", Interval = "month", Status = RecurringPlanStatus.Cancelled });
            await db.SaveChangesAsync();
        });
        var calendar = new DonationCalendar(Microsoft.Extensions.Options.Options.Create(new DonationOptions()), new FixedClock(now));
        var panel = await app.WithDbAsync(db => new Newsletter.Donations.DonationOverviewPanel(new DonationTotals(db, calendar), calendar).BuildAsync(CancellationToken.None));

        Assert.Equal([("This month", "7.00 EUR + 40.00 USD"), ("Last month", "25.00 USD"), ("Recurring monthly revenue", "20.00 USD")],
            panel.Figures.Select(f => (f.Label, f.Value)));
        Assert.Equal("2040-03", panel.Chart!.Labels[0]);
        Assert.Equal("2041-02", panel.Chart.Labels[^1]);
        var usd = panel.Chart.Series.Single(s => s.Label == "Net USD").Values;
        Assert.Equal([25L, 40], usd.TakeLast(2));
        Assert.Equal(65, usd.Sum());
        Assert.Equal(7, panel.Chart.Series.Single(s => s.Label == "Net EUR").Values[^1]);
    }

    private async Task<HttpResponseMessage> ImportAsync(string csv)
    {
        var page = await _browser.Http.GetStringAsync("/admin/donations");
        var token = System.Text.RegularExpressions.Regex.Match(page, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value;
        var form = new MultipartFormDataContent
        {
            { new StringContent(WebUtility.HtmlDecode(token)), "__RequestVerificationToken" },
            { new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(csv)), "file", "gifts.csv" },
        };
        return await _browser.Http.PostAsync("/admin/donations?handler=import", form);
    }

    private Task<long> NetAsync(string currency) => app.WithDbAsync(db =>
        db.Set<Donation>().Where(d => d.Currency == currency && d.Outcome == PaymentOutcome.Paid).SumAsync(d => d.Amount - d.AmountRefunded));

    private Task<long> NetThisMonthAsync(string currency)
    {
        var now = DateTime.UtcNow;
        var start = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        return app.WithDbAsync(db => db.Set<Donation>().Where(d => d.Currency == currency && d.Outcome == PaymentOutcome.Paid && d.PaidAt >= start && d.PaidAt < start.AddMonths(1))
            .SumAsync(d => d.Amount - d.AmountRefunded));
    }
}
