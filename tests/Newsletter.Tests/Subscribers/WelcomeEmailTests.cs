using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Newsletter.Email;
using Newsletter.Subscribers;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Subscribers;

/// <summary>
/// The welcome after confirming: through the outbox, once per reader however often they confirm (twice at once, or
/// after leaving and coming back), linking to the archive and the preferences; off with Subscribers:SendWelcomeEmail.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class WelcomeEmailTests(NewsletterApp app) : IClassFixture<NewsletterApp>
{
    private const string Reader = "welcome@example.org";

    [Fact]
    public async Task A_reader_who_confirms_twice_at_once_and_again_after_leaving_is_welcomed_once()
    {
        var reader = app.CreateReaderClient();
        await reader.PostAsJsonAsync("/api/subscribers", new { email = Reader, frequency = "daily" });
        var confirmLink = Mail.Link(await app.Smtp.WaitForMessageToAsync(Reader), "/confirm/");
        // The link pressed twice at the same moment (a double click, a second tab).
        var presses = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => reader.PostAsync(confirmLink, new FormUrlEncodedContent([]))));
        Assert.All(presses, p => Assert.Equal(HttpStatusCode.OK, p.StatusCode));

        var welcome = await app.Smtp.WaitForMessageToAsync(Reader, IsWelcome);
        Assert.Equal("Welcome to The Test Review", welcome.Subject);
        Assert.Contains("daily", Mail.Text(welcome));
        Assert.Equal("/archive", Mail.Link(welcome, "/archive"));
        // A confirmed reader's mail: their preferences in the body, and the footer's Unsubscribe.
        Assert.StartsWith("/preferences/", Mail.Link(welcome, "/preferences/"));
        Assert.Contains(">Unsubscribe</a>", welcome.HtmlBody);
        var unsubscribe = Mail.Link(welcome, "/unsubscribe/");

        // Gone, then back through a new sign-up and confirmation: the outbox's once-key says no second welcome.
        await reader.PostAsync(unsubscribe, new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));
        await app.Smtp.WaitForMessageToAsync(Reader, m => m.Subject?.Contains("unsubscribed") == true);
        await app.WithDbAsync(db => db.Set<TransactionalEmail>().Where(e => e.Recipient == Reader)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.CreatedAt, DateTime.UtcNow.AddHours(-1))));
        await reader.PostAsJsonAsync("/api/subscribers", new { email = Reader });
        var again = await app.Smtp.WaitForMessageToAsync(Reader, m => m.Subject?.StartsWith("Confirm") == true && Mail.Link(m, "/confirm/") != confirmLink);
        Assert.Equal(HttpStatusCode.OK, (await reader.PostAsync(Mail.Link(again, "/confirm/"), new FormUrlEncodedContent([]))).StatusCode);
        Assert.Equal(SubscriberStatus.Confirmed, await app.WithDbAsync(db => db.Set<Subscriber>().Where(s => s.EmailKey == Reader).Select(s => s.Status).SingleAsync()));

        // Whatever was queued has gone out by the time a later mail has.
        await reader.PostAsJsonAsync("/api/subscribers", new { email = "marker@welcome.example" });
        await app.Smtp.WaitForMessageToAsync("marker@welcome.example");
        Assert.Single(app.Smtp.Messages, m => m.Recipients.Contains(Reader) && IsWelcome(m.Message));
        Assert.Equal(1, await app.WithDbAsync(db => db.Set<TransactionalEmail>().CountAsync(e => e.Recipient == Reader && e.Kind == SubscriberEmailKinds.Welcome)));
    }

    private static bool IsWelcome(MimeKit.MimeMessage message) => message.Subject?.StartsWith("Welcome") == true;
}

public sealed class NoWelcomeApp : NewsletterApp
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings => [new("Subscribers:SendWelcomeEmail", "false")];
}

[Collection(HostCollection.Name)]
public sealed class WelcomeEmailOffTests(NoWelcomeApp app) : IClassFixture<NoWelcomeApp>
{
    [Fact]
    public async Task With_the_setting_off_a_confirmed_reader_gets_no_welcome()
    {
        var reader = app.CreateReaderClient();
        await reader.PostAsJsonAsync("/api/subscribers", new { email = "quiet@example.org" });
        await reader.PostAsync(Mail.Link(await app.Smtp.WaitForMessageToAsync("quiet@example.org"), "/confirm/"), new FormUrlEncodedContent([]));
        await reader.PostAsJsonAsync("/api/subscribers", new { email = "marker@quiet.example" });
        await app.Smtp.WaitForMessageToAsync("marker@quiet.example");
        Assert.Single(app.Smtp.Messages, m => m.Recipients.Contains("quiet@example.org"));
        Assert.False(await app.WithDbAsync(db => db.Set<TransactionalEmail>().AnyAsync(e => e.Kind == SubscriberEmailKinds.Welcome)));
    }
}
