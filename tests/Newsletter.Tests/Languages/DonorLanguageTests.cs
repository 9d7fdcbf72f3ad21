using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Newsletter.Subscribers;
using Newsletter.Tests.Donations;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Languages;

/// <summary>
/// Donors in German on an English site: the donate pages, their errors (checkout, the address parser's reasons), the
/// thank-you and cancel pages, the manage pages, the receipt and the manage-link email have no English left (see
/// <see cref="EnglishLeaks"/>). A visitor's language is the request's; a donor who is also a reader gets theirs.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class DonorLanguageTests(SupportersApp app) : IClassFixture<SupportersApp>
{
    private HttpClient Browser(string acceptLanguage)
    {
        var client = app.CreateReaderClient();
        client.DefaultRequestHeaders.Add("Accept", "text/html");
        client.DefaultRequestHeaders.Add("Accept-Language", acceptLanguage);
        return client;
    }

    private static async Task<string> GermanPageAsync(HttpResponseMessage response, HttpStatusCode status, string where)
    {
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{where}: {(int)response.StatusCode}\n{html}");
        Assert.Contains("<html lang=\"de\">", html);
        EnglishLeaks.AssertNone(EnglishLeaks.Visible(html), where);
        return WebUtility.HtmlDecode(html);
    }

    private static void AssertGermanMail(MimeMessage mail, string subject)
    {
        Assert.Equal(subject, mail.Subject);
        EnglishLeaks.AssertNone(mail.Subject!, "the subject of " + subject);
        EnglishLeaks.AssertNone(Mail.Text(mail), "the text of " + subject);
        EnglishLeaks.AssertNone(EnglishLeaks.Visible(mail.HtmlBody!), "the HTML of " + subject);
        Assert.Contains("<html lang=\"de\">", mail.HtmlBody);
    }

    [Fact]
    public async Task A_German_browser_gets_the_donate_pages_and_every_error_on_them_in_German()
    {
        var today = DateTime.UtcNow.AddHours(-5);
        var created = await app.CreateStaffClient().PostAsJsonAsync("/api/admin/donations/campaigns", new
        {
            slug = "de-fund", name = "Der Dachfonds", goalAmount = 100000, currency = "usd",
            startsOn = today.AddDays(-1).ToString("yyyy-MM-dd"), endsOn = today.AddDays(9).ToString("yyyy-MM-dd"),
        });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        var browser = Browser("de-DE,de;q=0.9");

        var form = await GermanPageAsync(await browser.GetAsync("/donate"), HttpStatusCode.OK, "/donate");
        Assert.Contains("Weiter zur Zahlung", form);
        // Amounts with the German decimal comma, the card fee's formula too.
        Assert.Contains("5,00 USD", form);
        Assert.Contains("2,9\u00a0% + 0,30 USD", form);
        Assert.Contains("<input type=\"hidden\" name=\"language\" value=\"de\">", form);
        var campaign = await GermanPageAsync(await browser.GetAsync("/donate?campaign=de-fund"), HttpStatusCode.OK, "the campaign's page");
        Assert.Contains("0,00 USD von 1000,00 USD gesammelt", campaign);
        Assert.Contains("Noch 10 Tage", campaign);
        await GermanPageAsync(await browser.GetAsync("/donate?campaign=no-such-fund"), HttpStatusCode.NotFound, "an unknown campaign");
        // The campaign's bar that blogs show as an image speaks their reader's language too.
        var badge = await browser.GetStringAsync("/donate/campaigns/de-fund/progress.svg");
        Assert.Contains("0,00 USD von 1000,00 USD gesammelt", badge);
        EnglishLeaks.AssertNone(System.Text.RegularExpressions.Regex.Replace(badge, "<[^>]+>", " ") + " " + badge, "the campaign's bar for blogs");
        // And the snippet staff paste into a German blog: its image's alt text.
        var campaignRow = await app.WithDbAsync(db => db.Set<Newsletter.Donations.Campaign>().AsNoTracking().SingleAsync(c => c.Slug == "de-fund"));
        var snippet = Newsletter.Donations.CampaignBadge.Snippet(app.Services.GetRequiredService<Newsletter.Links.SiteLinks>(), campaignRow,
            Newsletter.Localization.ReaderText.CreateDefault().In("de"));
        Assert.Contains("alt=\"Der Dachfonds: sehen Sie, wie weit wir sind, und spenden Sie\"", snippet);
        EnglishLeaks.AssertNone(EnglishLeaks.Visible(snippet), "the campaign snippet for a German blog");

        // The form's errors, the address parser's reason among them.
        var mistakes = await GermanPageAsync(await browser.PostAsync("/donate/checkout", new FormUrlEncodedContent(
            [new("custom_amount", "0.01"), new("currency", "usd"), new("interval", "once"), new("email", "nobody-at-example.org"), new("language", "de")])),
            HttpStatusCode.BadRequest, "the donate form with mistakes");
        Assert.Contains("Der Betrag muss zwischen 1,00 USD und 5000,00 USD liegen.", mistakes);
        Assert.Contains("Eine E-Mail-Adresse besteht aus einem Namen, einem @ und einer Domain.", mistakes);
        // The page's language travels in the form: an English browser posting the German form reads German.
        await GermanPageAsync(await Browser("en").PostAsync("/donate/checkout", new FormUrlEncodedContent(
            [new("amount", "7"), new("interval", "yearly"), new("language", "de")])), HttpStatusCode.BadRequest, "the German form from an English browser");

        // A link from the blog with a mistake: a page for the browser, problem details for a program, both in German.
        var linkPage = await GermanPageAsync(await browser.GetAsync("/donate/checkout?amount=1&interval=weekly"), HttpStatusCode.BadRequest, "a bad donation link");
        Assert.Contains("Der Spendenlink ist ungültig", linkPage);
        var program = app.CreateReaderClient();
        program.DefaultRequestHeaders.Add("Accept-Language", "de");
        var link = await program.GetAsync("/donate/checkout?amount=1&interval=weekly");
        Assert.Equal(HttpStatusCode.BadRequest, link.StatusCode);
        var problem = await link.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Der Spendenlink ist ungültig", problem.GetProperty("title").GetString());
        var linkErrors = string.Join(" ", problem.GetProperty("errors").EnumerateObject().SelectMany(e => e.Value.EnumerateArray().Select(v => v.GetString())));
        Assert.Contains("Wählen Sie einmalig oder monatlich.", linkErrors);
        EnglishLeaks.AssertNone(linkErrors + " " + problem.GetProperty("title").GetString(), "the problem details of a bad donation link");

        await GermanPageAsync(await browser.GetAsync("/donate/thanks"), HttpStatusCode.OK, "/donate/thanks opened directly");
        var waiting = await GermanPageAsync(await browser.GetAsync("/donate/thanks?session_id=cs_test_not_heard_of_yet"), HttpStatusCode.OK, "/donate/thanks before Stripe's word");
        Assert.Contains("Wir warten darauf, dass Stripe Ihre Zahlung bestätigt", waiting);
        await GermanPageAsync(await browser.GetAsync("/donate/cancelled"), HttpStatusCode.OK, "/donate/cancelled");
        await GermanPageAsync(await browser.GetAsync("/donate/manage"), HttpStatusCode.OK, "/donate/manage");
        var badAddress = await GermanPageAsync(await browser.PostAsync("/donate/manage", new FormUrlEncodedContent([new("email", "a@b"), new("language", "de")])),
            HttpStatusCode.BadRequest, "/donate/manage with a bad address");
        Assert.Contains("Die Domain der E-Mail-Adresse ist ungültig.", badAddress);
        await GermanPageAsync(await browser.PostAsync("/donate/manage", new FormUrlEncodedContent([new("email", "stranger@example.org"), new("language", "de")])),
            HttpStatusCode.OK, "/donate/manage asked");

        // A good gift, typed the German way: Stripe's page is named in German and sends the donor back to German pages.
        app.Stripe.Clear();
        var started = await browser.PostAsync("/donate/checkout", new FormUrlEncodedContent(
            [new("custom_amount", "12,50"), new("currency", "usd"), new("interval", "month"), new("language", "de")]));
        Assert.Equal(HttpStatusCode.SeeOther, started.StatusCode);
        var session = Assert.Single(app.Stripe.Requests).Form;
        Assert.Equal("1250", session["line_items[0][price_data][unit_amount]"]);
        Assert.Equal("Monatliche Spende an The Test Review", session["line_items[0][price_data][product_data][name]"]);
        Assert.Equal("http://localhost/donate/thanks?session_id={CHECKOUT_SESSION_ID}&lang=de", session["success_url"]);
        Assert.Equal("http://localhost/donate/cancelled?lang=de", session["cancel_url"]);
        await GermanPageAsync(await Browser("en").GetAsync("/donate/cancelled?lang=de"), HttpStatusCode.OK, "the cancel page Stripe sends back to");
    }

    [Fact]
    public async Task A_donor_who_reads_in_German_gets_the_receipt_the_manage_link_and_their_page_in_German()
    {
        const string donor = "spenderin@example.org";
        await app.WithDbAsync(async db =>
        {
            db.Add(new Subscriber { Email = donor, EmailKey = donor, Language = "de", Frequency = DigestFrequency.Weekly, Status = SubscriberStatus.Confirmed, CreatedAt = DateTime.UtcNow });
            await db.SaveChangesAsync();
        });
        await MonthlyGiftAsync(donor, "Greta", "cus_de_donor");

        var receipt = await app.Smtp.WaitForMessageToAsync(donor);
        AssertGermanMail(receipt, "Vielen Dank für Ihre Unterstützung von The Test Review");
        var text = Mail.Text(receipt);
        Assert.Contains("Guten Tag Greta,", text);
        Assert.Contains($"Vielen Dank für Ihre monatliche Spende von 10,00 USD an {SupportersApp.Organisation}, eingegangen am ", text);
        Assert.Matches(@"eingegangen am \d{1,2}\. (Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember) \d{4}\.", text);

        // Their page behind the link speaks their language, whatever the browser asks for.
        var english = Browser("en-GB,en;q=0.9");
        var page = await GermanPageAsync(await english.GetAsync(Mail.Link(receipt, "/donate/manage/")), HttpStatusCode.OK, "the donor's page");
        Assert.Matches(@"10,00 USD pro Monat seit \d{4}-\d{2}-\d{2} \(aktiv\)", page);

        // So does the link they ask for from an English page.
        await english.PostAsync("/donate/manage", new FormUrlEncodedContent([new("email", donor)]));
        var linkMail = await app.Smtp.WaitForMessageToAsync(donor, m => m.Subject!.StartsWith("Ihre Spenden", StringComparison.Ordinal));
        AssertGermanMail(linkMail, "Ihre Spenden an The Test Review");
        Assert.Contains("/donate/manage/", Mail.Text(linkMail));

        // The year's statement: the email, and its PDF (attached, and behind the link) with no English words.
        var year = DateTime.UtcNow.AddHours(-5).Year;
        var run = await app.CreateStaffClient().PostAsJsonAsync("/api/admin/donations/statements", new { year });
        Assert.True(run.IsSuccessStatusCode, await run.Content.ReadAsStringAsync());
        var statement = await app.Smtp.WaitForMessageToAsync(donor, m => m.Subject!.Contains("im Jahr", StringComparison.Ordinal));
        AssertGermanMail(statement, $"Ihre Spenden an The Test Review im Jahr {year}");
        Assert.Contains($"Summe {year}: 10,00 USD", Mail.Text(statement));
        Assert.Contains("Monatliche Spende", Mail.Text(statement));
        var pdf = await english.GetByteArrayAsync(Mail.Link(statement, "/donate/statements/"));
        using var document = UglyToad.PdfPig.PdfDocument.Open(pdf);
        var pdfText = string.Join("\n", document.GetPages().Select(p => string.Join(" ", p.GetWords().Select(w => w.Text))));
        Assert.Contains($"Aufstellung der im Jahr {year} erhaltenen Spenden", pdfText);
        EnglishLeaks.AssertNone(pdfText + " " + document.Information.Title, "the statement's PDF");
    }

    [Fact]
    public async Task A_donor_who_is_no_reader_gets_the_receipt_in_the_sites_language_and_the_detector_sees_its_English()
    {
        const string donor = "english-donor@example.org";
        await MonthlyGiftAsync(donor, "Ed", "cus_en_donor");
        var receipt = await app.Smtp.WaitForMessageToAsync(donor);
        Assert.Equal("Thank you for supporting The Test Review", receipt.Subject);
        Assert.Contains("Dear Ed,", Mail.Text(receipt));
        Assert.Matches(@"received on \d{1,2} [A-Z][a-z]+ \d{4}\.", Mail.Text(receipt));
        // The detector the German tests rely on finds the English here (it is not blind to receipts).
        Assert.Contains("Readers like you keep our writing independent and free to read.", EnglishLeaks.In(Mail.Text(receipt)));
    }

    private async Task MonthlyGiftAsync(string email, string name, string customer)
    {
        var checkout = await app.NewCheckoutAsync(1000, "month", email: email, name: name);
        var (session, subscription, invoice) = (StripeEvents.NewId("cs"), StripeEvents.NewId("sub"), StripeEvents.NewId("in"));
        var at = DateTimeOffset.UtcNow.AddMinutes(-30);
        await app.DeliverOkAsync(StripeEvents.Event("checkout.session.completed", StripeEvents.Session(session, checkout.PublicId, 1000, mode: "subscription",
            subscription: subscription, invoice: invoice, customer: customer), created: at));
        await app.DeliverOkAsync(StripeEvents.Event("invoice.paid", StripeEvents.Invoice(invoice, subscription, checkout.PublicId, 1000,
            paymentIntent: StripeEvents.NewId("pi"), customer: customer), created: at));
        await app.AllEventsAppliedAsync();
    }
}
