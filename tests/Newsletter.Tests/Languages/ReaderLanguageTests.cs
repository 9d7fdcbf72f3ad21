using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Newsletter.Digests;
using Newsletter.Localization;
using Newsletter.Subscribers;
using Newsletter.Tests.Digests;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Languages;

public sealed class LanguagesApp : NewsletterApp
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Subscribers:TopicNames:de:books", "Bücher"),
        new("Subscribers:TopicNames:en:books", "Books"),
    ];
}

/// <summary>
/// A reader who signs up in German on an English site: every page behind their links and every email to them is in
/// German, with no English left (see <see cref="EnglishLeaks"/>), until they choose English on their preferences page.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class ReaderLanguageTests(LanguagesApp app) : IClassFixture<LanguagesApp>
{
    private const string Reader = "leserin@example.org";

    private HttpClient EnglishBrowser()
    {
        var client = app.CreateReaderClient();
        client.DefaultRequestHeaders.Add("Accept", "text/html");
        // The browser asks for English: the form's choice is what counts.
        client.DefaultRequestHeaders.Add("Accept-Language", "en-GB,en;q=0.9");
        return client;
    }

    private static async Task<string> GermanPageAsync(HttpResponseMessage response, HttpStatusCode status, string where)
    {
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{where}: {(int)response.StatusCode}\n{html}");
        Assert.Contains("<html lang=\"de\">", html);
        EnglishLeaks.AssertNone(EnglishLeaks.Visible(html), where);
        return html;
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
    public async Task A_reader_who_signs_up_in_German_gets_German_pages_and_emails_until_they_choose_English()
    {
        var browser = EnglishBrowser();
        var form = await GermanPageAsync(await browser.GetAsync("/subscribe?lang=de"), HttpStatusCode.OK, "/subscribe?lang=de");
        Assert.Contains("Bücher", System.Net.WebUtility.HtmlDecode(form));

        // A mistake answers in German, field errors included.
        var mistake = await browser.PostAsync("/subscribe", new FormUrlEncodedContent([new("email", "not an address"), new("language", "de")]));
        var mistakePage = await GermanPageAsync(mistake, HttpStatusCode.BadRequest, "the form with a mistake");
        Assert.Contains("Eine E-Mail-Adresse besteht aus einem Namen, einem @ und einer Domain.", System.Net.WebUtility.HtmlDecode(mistakePage));

        var signup = await browser.PostAsync("/subscribe", new FormUrlEncodedContent(
            [new("email", Reader), new("frequency", "daily"), new("topics", "books"), new("language", "de")]));
        Assert.Equal(HttpStatusCode.SeeOther, signup.StatusCode);
        Assert.Equal("/subscribe/thanks?lang=de", signup.Headers.Location!.OriginalString);
        await GermanPageAsync(await browser.GetAsync(signup.Headers.Location), HttpStatusCode.OK, "the thanks page");
        Assert.Equal("de", await app.WithDbAsync(db => db.Set<Subscriber>().Where(s => s.EmailKey == Reader).Select(s => s.Language).SingleAsync()));

        var confirmation = await app.Smtp.WaitForMessageToAsync(Reader);
        AssertGermanMail(confirmation, "Bitte bestätigen Sie Ihr Abonnement von The Test Review");
        Assert.Contains("(täglich)", Mail.Text(confirmation));

        var confirmLink = Mail.Link(confirmation, "/confirm/");
        await GermanPageAsync(await browser.GetAsync(confirmLink), HttpStatusCode.OK, "the confirm page");
        var confirmed = await GermanPageAsync(await browser.PostAsync(confirmLink, new FormUrlEncodedContent([])), HttpStatusCode.OK, "the confirmed page");
        Assert.Contains("Danke! Ihr Abonnement ist bestätigt.", System.Net.WebUtility.HtmlDecode(confirmed));

        var welcome = await app.Smtp.WaitForMessageToAsync(Reader, m => m.Subject!.StartsWith("Willkommen"));
        AssertGermanMail(welcome, "Willkommen bei The Test Review");
        Assert.Contains("tägliche E-Mail", Mail.Text(welcome));

        var preferences = Mail.Link(welcome, "/preferences/");
        var preferencesPage = System.Net.WebUtility.HtmlDecode(await GermanPageAsync(await browser.GetAsync(preferences), HttpStatusCode.OK, "the preferences page"));
        Assert.Contains("> Bücher</label>", preferencesPage);
        Assert.Contains("<option value=\"de\" lang=\"de\" selected>Deutsch</option>", preferencesPage);

        var unsubscribe = Mail.Link(welcome, "/unsubscribe/");
        await GermanPageAsync(await browser.GetAsync(unsubscribe), HttpStatusCode.OK, "the unsubscribe page");
        await GermanPageAsync(await browser.PostAsync(unsubscribe, new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")])), HttpStatusCode.OK, "the unsubscribed page");
        AssertGermanMail(await app.Smtp.WaitForMessageToAsync(Reader, m => m.Subject!.Contains("abbestellt")), "Sie haben The Test Review abbestellt");

        // Back, and English from now on: the page answers in English, and so does the next email.
        await browser.PostAsync(preferences + "/resubscribe", new FormUrlEncodedContent([]));
        var english = await browser.PostAsync(preferences, new FormUrlEncodedContent([new("frequency", "daily"), new("language", "en")]));
        Assert.Equal(HttpStatusCode.OK, english.StatusCode);
        Assert.Contains("<html lang=\"en\">", await english.Content.ReadAsStringAsync());
        await app.CreateReaderClient().PostAsJsonAsync("/api/subscribers", new { email = Reader, language = "de" });
        var already = await app.Smtp.WaitForMessageToAsync(Reader, m => m.Subject!.StartsWith("You're already subscribed"));
        Assert.Contains("Hello,", Mail.Text(already));
    }

    [Fact]
    public async Task The_API_answers_in_the_readers_language_and_refuses_a_language_without_texts()
    {
        var german = await app.CreateReaderClient().PostAsJsonAsync("/api/subscribers", new { email = "api-de@example.org", language = "de-AT" });
        Assert.Equal(HttpStatusCode.Accepted, german.StatusCode);
        Assert.Equal("Danke! In Ihrem Postfach finden Sie einen Link, mit dem Sie Ihr Abonnement bestätigen.",
            (await german.Content.ReadFromJsonAsync<SubscriberApi.SubscribeAccepted>())!.Message);

        // No field: Accept-Language decides.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/subscribers") { Content = JsonContent.Create(new { email = "api-header@example.org" }) };
        request.Headers.Add("Accept-Language", "de-CH, en;q=0.5");
        Assert.Equal(HttpStatusCode.Accepted, (await app.CreateReaderClient().SendAsync(request)).StatusCode);
        Assert.Equal("de", await app.WithDbAsync(db => db.Set<Subscriber>().Where(s => s.EmailKey == "api-header@example.org").Select(s => s.Language).SingleAsync()));

        var unknown = await app.CreateReaderClient().PostAsJsonAsync("/api/subscribers", new { email = "api-xx@example.org", language = "xx" });
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("Unknown language; choose from: en, de", await unknown.Content.ReadAsStringAsync());
        Assert.False(await app.WithDbAsync(db => db.Set<Subscriber>().AnyAsync(s => s.EmailKey == "api-xx@example.org")));
    }

    [Fact]
    public void Every_English_text_has_a_German_translation()
    {
        var text = ReaderText.CreateDefault();
        var english = text.All(ReaderLanguages.English);
        var german = text.All(ReaderLanguages.German);
        Assert.Empty(english.Keys.Except(german.Keys));
        Assert.Empty(german.Where(g => string.IsNullOrWhiteSpace(g.Value)).Select(g => g.Key));
    }
}

public sealed class GermanSiteApp : DigestApp
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [.. base.Settings, new("Site:Language", "de")];
}

/// <summary>
/// <c>Site:Language</c> is the language of readers who chose none: on a German site, a reader who signs up without
/// naming one gets the confirmation, the welcome and the digest (sent by the real batch, read back from the SMTP
/// server) in German.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class SiteLanguageTests(GermanSiteApp app) : IClassFixture<GermanSiteApp>
{
    [Fact]
    public async Task On_a_German_site_the_digest_comes_in_German()
    {
        const string reader = "digest-de@example.org";
        await app.CreateReaderClient().PostAsJsonAsync("/api/subscribers", new { email = reader, name = "Anna", frequency = "daily" });
        var confirmation = await app.Smtp.WaitForMessageToAsync(reader);
        Assert.Equal("Bitte bestätigen Sie Ihr Abonnement von The Test Review", confirmation.Subject);
        await app.CreateReaderClient().PostAsync(Mail.Link(confirmation, "/confirm/"), new FormUrlEncodedContent([]));
        var welcome = await app.Smtp.WaitForMessageToAsync(reader, m => m.Subject!.StartsWith("Willkommen"));
        Assert.Contains("Hallo Anna,", Mail.Text(welcome));

        await app.PushArticleAsync("de-1", "Die Bücher des Herbstes", "books");
        await app.PushArticleAsync("de-2", "Ein Film im Dezember", "film");
        var issueId = await app.SendNowAsync("daily");
        await app.WaitUntilSentAsync(issueId);
        var digest = app.MessagesTo(reader).Single(m => m.Subject!.StartsWith("The Test Review: "));

        Assert.Matches(@"^The Test Review: .+ und 1 weitere$", digest.Subject);
        var text = Mail.Text(digest);
        Assert.Contains("Hier sind die 2 neuen Artikel von The Test Review.", text);
        Assert.Contains("Hallo Anna,", text);
        Assert.Contains("die tägliche Ausgabe von The Test Review abonniert hat", text);
        Assert.Contains(DateTime.UtcNow.ToString("MMMM", ReaderLanguages.Culture("de")), text);
        Assert.Contains("<html lang=\"de\">", digest.HtmlBody);
        EnglishLeaks.AssertNone(digest.Subject!, "the digest's subject");
        EnglishLeaks.AssertNone(text, "the digest's text");
        EnglishLeaks.AssertNone(EnglishLeaks.Visible(digest.HtmlBody!), "the digest's HTML");

        // The archive (the web version) speaks the site's language too.
        var archive = await app.CreateReaderClient().GetStringAsync($"/archive/{issueId}");
        EnglishLeaks.AssertNone(EnglishLeaks.Visible(archive), "the archived issue");
    }

    [Fact]
    public async Task A_reader_in_English_on_a_German_site_gets_the_digest_and_its_preview_in_English()
    {
        var id = await app.WithDbAsync(async db =>
        {
            var subscriber = new Subscriber { Email = "english@example.org", EmailKey = "english@example.org", Name = "Ed", Language = "en", Frequency = DigestFrequency.Daily, Status = SubscriberStatus.Confirmed, CreatedAt = DateTime.UtcNow };
            db.Add(subscriber);
            await db.SaveChangesAsync();
            return subscriber.Id;
        });
        await app.PushArticleAsync("en-1", "Books of winter", "books");
        var issueId = await app.SendNowAsync("daily");
        await app.WaitUntilSentAsync(issueId);
        await using var scope = app.Services.CreateAsyncScope();
        var preview = await scope.ServiceProvider.GetRequiredService<DigestService>().PreviewAsync(issueId, id, CancellationToken.None);
        Assert.Contains("Hello Ed,", preview);
        Assert.Contains("Here is the new article from The Test Review.", preview);
        // And the copy the batch sent him is the same English one, greeting and all.
        var sent = app.MessagesTo("english@example.org").Single();
        Assert.Contains("Hello Ed,", Mail.Text(sent));
        Assert.Contains("Here is the new article from The Test Review.", Mail.Text(sent));
        Assert.DoesNotContain("Hallo", Mail.Text(sent));
        // The detector the German tests rely on finds the English here (it is not blind).
        Assert.Contains("Read on", EnglishLeaks.In(EnglishLeaks.Visible(preview!)));
    }
}
