using Microsoft.Extensions.DependencyInjection;
using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Newsletter.Subscribers;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Subscribers;

/// <summary>The reader's whole journey through the host's whole HTTP pipeline (in-process TestServer: no socket, no client address), a real database and a real SMTP server.</summary>
[Collection(HostCollection.Name)]
public sealed class SubscriberLifecycleTests(NewsletterApp app) : IClassFixture<NewsletterApp>
{
    [Fact]
    public async Task A_reader_subscribes_confirms_changes_preferences_unsubscribes_in_one_click_and_comes_back()
    {
        var reader = app.CreateReaderClient();
        var response = await reader.PostAsJsonAsync("/api/subscribers", new { email = "ada@lovelace.example", name = "Ada", frequency = "daily", topics = new[] { "Books" } });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        var confirmation = await app.Smtp.WaitForMessageToAsync("ada@lovelace.example");
        Assert.Contains("Confirm your subscription", confirmation.Subject);
        // The name was typed by whoever filled in the form: the confirmation does not repeat it (see SubscriberResetTests).
        Assert.True(string.IsNullOrEmpty(confirmation.To.Mailboxes.Single().Name));
        var confirmLink = Mail.Link(confirmation, "/confirm/");

        // Following the link (what a mail scanner does) shows a button and confirms nobody.
        var page = await reader.GetAsync(confirmLink);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<button type=\"submit\">Confirm</button>", await page.Content.ReadAsStringAsync());
        Assert.Equal(SubscriberStatus.Unconfirmed, await StatusOf("ada@lovelace.example"));

        var confirmed = await reader.PostAsync(confirmLink, new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        Assert.Contains("confirmed", await confirmed.Content.ReadAsStringAsync());
        Assert.Equal(SubscriberStatus.Confirmed, await StatusOf("ada@lovelace.example"));

        // Preferences from the signed link in the welcome that follows.
        var welcome = await app.Smtp.WaitForMessageToAsync("ada@lovelace.example", m => m.Subject?.StartsWith("Welcome") == true);
        var preferencesLink = Mail.Link(welcome, "/preferences/");
        var preferences = await reader.GetStringAsync(preferencesLink);
        Assert.Contains("ada@lovelace.example", preferences);
        Assert.Contains("value=\"books\" checked", preferences);
        var saved = await reader.PostAsync(preferencesLink, new FormUrlEncodedContent([new("name", "Ada L."), new("frequency", "weekly"), new("topics", "film"), new("topics", "music")]));
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        var subscriber = await Find("ada@lovelace.example");
        Assert.Equal(("Ada L.", DigestFrequency.Weekly, "film,music"), (subscriber.Name, subscriber.Frequency, subscriber.Topics));

        // GET on the unsubscribe link (a mail scanner following it) shows a button and changes nothing.
        var unsubscribeLink = Mail.Link(welcome, "/unsubscribe/");
        var unsubscribePage = await reader.GetStringAsync(unsubscribeLink);
        Assert.Contains("List-Unsubscribe", unsubscribePage);
        Assert.Equal(SubscriberStatus.Confirmed, await StatusOf("ada@lovelace.example"));

        // RFC 8058 one-click: exactly what a mail provider sends.
        var oneClick = await reader.PostAsync(unsubscribeLink, new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));
        Assert.Equal(HttpStatusCode.OK, oneClick.StatusCode);
        Assert.Equal(SubscriberStatus.Unsubscribed, await StatusOf("ada@lovelace.example"));
        var goodbye = await app.Smtp.WaitForMessageToAsync("ada@lovelace.example", m => m.Subject?.Contains("unsubscribed") == true);
        Assert.Contains("/preferences/", Mail.Text(goodbye));

        // Back again from the preferences page: the signed link proves the address.
        var back = await reader.PostAsync(preferencesLink + "/resubscribe", new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        Assert.Equal(SubscriberStatus.Confirmed, await StatusOf("ada@lovelace.example"));

        var history = await app.WithDbAsync(db => db.Set<SubscriberEvent>().Where(e => e.SubscriberId == subscriber.Id).OrderBy(e => e.Id).Select(e => e.Kind).ToListAsync());
        Assert.Equal(["signup", "confirmed", "preferences", "unsubscribed", "resubscribed"], history);
    }

    [Fact]
    public async Task Subscribing_an_address_twice_answers_the_same_and_a_confirmed_reader_gets_a_manage_link_instead()
    {
        var reader = app.CreateReaderClient();
        var first = await reader.PostAsJsonAsync("/api/subscribers", new { email = "twice@example.org" });
        var confirmation = await app.Smtp.WaitForMessageToAsync("twice@example.org");
        await reader.PostAsync(Mail.Link(confirmation, "/confirm/"), new FormUrlEncodedContent([]));
        await app.Smtp.WaitForMessageToAsync("twice@example.org", m => m.Subject?.StartsWith("Welcome") == true);
        app.Smtp.Clear();

        var second = await reader.PostAsJsonAsync("/api/subscribers", new { email = "twice@example.org", frequency = "daily" });
        Assert.Equal(first.StatusCode, second.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        var notice = await app.Smtp.WaitForMessageToAsync("twice@example.org");
        Assert.Contains("already subscribed", notice.Subject);
        Assert.Contains("/preferences/", Mail.Text(notice));
        Assert.DoesNotContain("/confirm/", Mail.Text(notice));
        // Nothing changed: whoever typed the address may not own it.
        Assert.Equal(DigestFrequency.Weekly, (await Find("twice@example.org")).Frequency);
    }

    [Fact]
    public async Task Submitting_someone_elses_address_again_and_again_mails_them_only_once()
    {
        var reader = app.CreateReaderClient();
        for (var i = 0; i < 5; i++)
            Assert.Equal(HttpStatusCode.Accepted, (await reader.PostAsJsonAsync("/api/subscribers", new { email = "victim@example.org" })).StatusCode);
        await app.Smtp.WaitForMessageToAsync("victim@example.org");
        await reader.PostAsJsonAsync("/api/subscribers", new { email = "marker@example.org" });
        await app.Smtp.WaitForMessageToAsync("marker@example.org");
        Assert.Single(app.Smtp.Messages, m => m.Recipients.Contains("victim@example.org"));
    }

    [Fact]
    public async Task The_html_form_subscribes_and_its_honeypot_silently_drops_bots()
    {
        var reader = app.CreateReaderClient();
        var form = await reader.GetStringAsync("/subscribe");
        Assert.Contains("name=\"website\"", form);

        var bot = await reader.PostAsync("/subscribe", new FormUrlEncodedContent([new("email", "bot@spam.example"), new("website", "http://spam.example")]));
        Assert.Equal(HttpStatusCode.SeeOther, bot.StatusCode);
        var human = await reader.PostAsync("/subscribe", new FormUrlEncodedContent([new("email", "human@people.example"), new("frequency", "weekly"), new("website", "")]));
        Assert.Equal(HttpStatusCode.SeeOther, human.StatusCode);
        Assert.Equal(bot.Headers.Location, human.Headers.Location);
        Assert.Equal(await bot.Content.ReadAsStringAsync(), await human.Content.ReadAsStringAsync());

        await app.Smtp.WaitForMessageToAsync("human@people.example");
        Assert.Null(await app.WithDbAsync(db => db.Set<Subscriber>().SingleOrDefaultAsync(s => s.EmailKey == "bot@spam.example")));
        var consent = await Find("human@people.example");
        Assert.Equal("form", consent.ConsentSource);
    }

    [Fact]
    public async Task A_tampered_or_foreign_token_is_refused_with_a_friendly_page()
    {
        var reader = app.CreateReaderClient();
        await reader.PostAsJsonAsync("/api/subscribers", new { email = "tamper@example.org" });
        var confirmation = await app.Smtp.WaitForMessageToAsync("tamper@example.org");
        var confirmLink = Mail.Link(confirmation, "/confirm/");
        var tampered = confirmLink[..^2] + (confirmLink[^2] == 'A' ? "B" : "A") + confirmLink[^1];

        var refused = await reader.PostAsync(tampered, new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        Assert.Contains("not valid", await refused.Content.ReadAsStringAsync());
        // A confirm token cannot be used to unsubscribe, nor a manage token to confirm.
        var token = confirmLink["/confirm/".Length..];
        Assert.Equal(HttpStatusCode.NotFound, (await reader.PostAsync("/unsubscribe/" + token, new FormUrlEncodedContent([]))).StatusCode);
        // The confirmation carries no manage link any more: make the reader's own manage token as the service would.
        var publicId = (await Find("tamper@example.org")).PublicId;
        string manageToken;
        await using (var scope = app.Services.CreateAsyncScope())
            manageToken = scope.ServiceProvider.GetRequiredService<Newsletter.Links.SiteLinks>().ManageToken(publicId);
        var manageToConfirm = await reader.PostAsync("/confirm/" + manageToken, new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.NotFound, manageToConfirm.StatusCode);
        Assert.Contains("not valid", await manageToConfirm.Content.ReadAsStringAsync());
        Assert.Equal(SubscriberStatus.Unconfirmed, await StatusOf("tamper@example.org"));
        // The genuine link still works: the refusals above were about the token's purpose.
        Assert.Equal(HttpStatusCode.OK, (await reader.PostAsync(confirmLink, new FormUrlEncodedContent([]))).StatusCode);
        Assert.Equal(SubscriberStatus.Confirmed, await StatusOf("tamper@example.org"));
    }

    private Task<Subscriber> Find(string emailKey) => app.WithDbAsync(db => db.Set<Subscriber>().AsNoTracking().SingleAsync(s => s.EmailKey == emailKey));

    private async Task<SubscriberStatus> StatusOf(string emailKey) => (await Find(emailKey)).Status;
}
