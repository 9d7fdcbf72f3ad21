using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Newsletter.Donations;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Donations;

/// <summary>
/// Every currency class right from the typed amount to Stripe, the ledger, the receipt and the totals; and the
/// publisher's calendar (America/New_York here) deciding which year and month a gift belongs to.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class CurrencyAndCalendarTests(SupportersApp app) : IClassFixture<SupportersApp>
{
    [Theory]
    [InlineData("usd", "25", "2500", "25.00 USD")]
    [InlineData("jpy", "2500", "2500", "2500 JPY")]
    [InlineData("kwd", "25", "25000", "25.000 KWD")]
    public async Task A_typed_amount_reaches_stripe_the_ledger_the_receipt_and_the_totals_in_the_currencys_own_units(string currency, string typed, string stripeAmount, string printed)
    {
        app.Stripe.Clear();
        var email = $"{currency}-giver@example.org";
        var posted = await app.CreateReaderClient().PostAsync("/donate/checkout", new FormUrlEncodedContent([
            new("custom_amount", typed), new("currency", currency), new("interval", "once"), new("email", email)]));
        Assert.Equal(HttpStatusCode.SeeOther, posted.StatusCode);
        var form = Assert.Single(app.Stripe.Requests).Form;
        Assert.Equal((currency, stripeAmount), (form["line_items[0][price_data][currency]"], form["line_items[0][price_data][unit_amount]"]));

        var checkout = await app.WithDbAsync(db => db.Set<DonationCheckout>().AsNoTracking().SingleAsync(c => c.DonorEmail == email));
        var session = StripeEvents.NewId("cs");
        await app.DeliverOkAsync(StripeEvents.Event("checkout.session.completed",
            StripeEvents.Session(session, checkout.PublicId, long.Parse(stripeAmount), paymentIntent: StripeEvents.NewId("pi"), currency: currency)));
        await app.AllEventsAppliedAsync();
        var donation = await app.DonationBySessionAsync(session);
        Assert.Equal((long.Parse(stripeAmount), currency), (donation!.Amount, donation.Currency));
        var receipt = await app.Smtp.WaitForMessageToAsync(email);
        Assert.Contains(printed, Mail.Text(receipt));
        var totals = await app.CreateStaffClient().GetFromJsonAsync<JsonElement>("/api/admin/donations/totals");
        Assert.Contains(totals.GetProperty("byCurrency").EnumerateArray(), t => t.GetProperty("currency").GetString() == currency && t.GetProperty("net").GetInt64() >= long.Parse(stripeAmount));
    }

    [Theory]
    [InlineData("usd", "5.00 USD", "between 1.00 USD and 5000.00 USD")]
    [InlineData("jpy", "1000 JPY", "between 100 JPY and 1000000 JPY")]
    [InlineData("kwd", "5.000 KWD", "between 1.000 KWD and 1000.000 KWD")]
    public async Task The_donate_page_shows_each_currencys_presets_and_limits_in_its_own_units(string currency, string preset, string limits)
    {
        var page = await app.CreateReaderClient().GetStringAsync($"/donate?currency={currency}");
        Assert.Contains(preset, page);
        Assert.Contains(limits, page);
        // Presets differ per currency, so the currency is chosen by reloading the page, never by a select that keeps the old preset.
        Assert.DoesNotContain("<select id=\"currency\"", page);
        Assert.Contains($"name=\"currency\" value=\"{currency}\"", page);
    }

    [Theory]
    [InlineData("custom_amount=25.125&currency=kwd", "steps of 0.010 KWD")]
    [InlineData("custom_amount=25.5&currency=jpy", "Please choose an amount")]
    [InlineData("custom_amount=0.5&currency=kwd", "between 1.000 KWD and 1000.000 KWD")]
    public async Task An_amount_stripe_would_misread_is_refused_before_stripe_is_called(string form, string reason)
    {
        app.Stripe.Clear();
        var fields = form.Split('&').Select(f => f.Split('=')).Select(p => new KeyValuePair<string, string>(p[0], p[1]));
        var response = await app.CreateReaderClient().PostAsync("/donate/checkout", new FormUrlEncodedContent(fields));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync());
        Assert.Empty(app.Stripe.Requests);
    }

    [Fact]
    public async Task A_gift_on_31_December_at_20_00_in_New_York_is_in_that_years_statement_and_month()
    {
        var email = "new-year-eve@example.org";
        // 2025-12-31 20:00 in New York is 2026-01-01 01:00 UTC.
        var eve = new DateTimeOffset(2025, 12, 31, 20, 0, 0, TimeSpan.FromHours(-5));
        var checkout = await app.NewCheckoutAsync(4000, email: email);
        var session = StripeEvents.NewId("cs");
        await app.DeliverOkAsync(StripeEvents.Event("checkout.session.completed", StripeEvents.Session(session, checkout.PublicId, 4000, paymentIntent: StripeEvents.NewId("pi")), created: eve));
        // A cheque dated 1 January is the next year's, whatever the hour in UTC.
        var staff = app.CreateStaffClient();
        Assert.Equal(HttpStatusCode.Created, (await staff.PostAsJsonAsync("/api/admin/donations/offline",
            new { date = "2026-01-01", amount = 1500, currency = "usd", email, source = "cheque", reference = "NY-2026-1" })).StatusCode);
        await app.AllEventsAppliedAsync();
        Assert.Equal(eve.UtcDateTime, (await app.DonationBySessionAsync(session))!.PaidAt);

        var months = await staff.GetFromJsonAsync<JsonElement>("/api/admin/donations/totals?from=2025-12-01&to=2026-02-01&groupBy=month");
        var byMonth = months.GetProperty("byPeriod").EnumerateArray().Where(p => p.GetProperty("currency").GetString() == "usd")
            .ToDictionary(p => p.GetProperty("period").GetString()!, p => p.GetProperty("net").GetInt64());
        Assert.Equal(4000, byMonth["2025-12"]);
        Assert.Equal(1500, byMonth["2026-01"]);

        var run = await (await staff.PostAsJsonAsync("/api/admin/donations/statements", new { year = 2025 })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(run.GetProperty("queued").GetInt32() >= 1);
        var statement = await app.Smtp.WaitForMessageToAsync(email, m => m.Subject!.Contains("2025"));
        Assert.Contains("2025-12-31", Mail.Text(statement));
        Assert.Contains("Total for 2025: 40.00 USD", Mail.Text(statement));
        Assert.DoesNotContain("15.00 USD", Mail.Text(statement));
    }
}
