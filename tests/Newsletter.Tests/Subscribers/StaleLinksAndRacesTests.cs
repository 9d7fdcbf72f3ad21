using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Email;
using Newsletter.Subscribers;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Subscribers;

/// <summary>
/// Readers' links and addresses at the edges: a confirmation link pressed after the reader left (or after staff ended
/// the sign-up), two one-click unsubscribes at the same moment, one address typed in composed and decomposed Unicode.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class StaleLinksAndRacesTests(NewsletterApp app) : IClassFixture<NewsletterApp>
{
    private Task<SubscriberStatus> StatusOf(string key) =>
        app.WithDbAsync(db => db.Set<Subscriber>().Where(s => s.EmailKey == key).Select(s => s.Status).SingleAsync());

    [Fact]
    public async Task An_old_confirmation_link_pressed_after_unsubscribing_does_not_subscribe_again()
    {
        const string Reader = "stale-confirm@example.org";
        var reader = app.CreateReaderClient();
        await reader.PostAsJsonAsync("/api/subscribers", new { email = Reader });
        var confirmLink = Mail.Link(await app.Smtp.WaitForMessageToAsync(Reader), "/confirm/");
        Assert.Equal(HttpStatusCode.OK, (await reader.PostAsync(confirmLink, new FormUrlEncodedContent([]))).StatusCode);
        var welcome = await app.Smtp.WaitForMessageToAsync(Reader, m => m.Subject?.StartsWith("Welcome") == true);

        // The reader leaves in one click...
        var oneClick = await reader.PostAsync(Mail.Link(welcome, "/unsubscribe/"), new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));
        Assert.Equal(HttpStatusCode.OK, oneClick.StatusCode);
        Assert.Equal(SubscriberStatus.Unsubscribed, await StatusOf(Reader));

        // ...and days later the original confirmation email (still within its 7 days) is pressed again: by the reader
        // tidying their inbox, by someone else who reads that mailbox, or by a scanner that submits forms.
        var pressed = await reader.PostAsync(confirmLink, new FormUrlEncodedContent([]));
        // The later word, leaving, must win (as the confirmation composer itself decides for a queued confirmation).
        Assert.Equal(SubscriberStatus.Unsubscribed, await StatusOf(Reader));
        Assert.DoesNotContain("confirmed", await pressed.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_sign_up_staff_ended_before_it_was_confirmed_is_not_confirmed_by_the_link_already_sent()
    {
        const string Reader = "never-signed-up@example.org";
        var reader = app.CreateReaderClient();
        await reader.PostAsJsonAsync("/api/subscribers", new { email = Reader });
        var confirmLink = Mail.Link(await app.Smtp.WaitForMessageToAsync(Reader), "/confirm/");

        // Staff end the pending sign-up (the owner wrote "I never asked for this").
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<Newsletter.Data.NewsletterDb>();
            var subscriber = await db.Set<Subscriber>().SingleAsync(s => s.EmailKey == Reader);
            await scope.ServiceProvider.GetRequiredService<SubscriptionService>().UnsubscribeAsync(subscriber, "staff", CancellationToken.None);
        }
        Assert.Equal(SubscriberStatus.Unsubscribed, await StatusOf(Reader));

        await reader.PostAsync(confirmLink, new FormUrlEncodedContent([]));
        Assert.Equal(SubscriberStatus.Unsubscribed, await StatusOf(Reader));
    }

    [Fact]
    public async Task Two_one_click_unsubscribes_at_once_both_answer_200_and_send_one_goodbye()
    {
        var now = DateTime.UtcNow;
        var keys = Enumerable.Range(1, 12).Select(i => $"double-unsub{i}@example.org").ToList();
        await app.WithDbAsync(async db =>
        {
            db.AddRange(keys.Select(k => new Subscriber
            {
                Email = k, EmailKey = k, Status = SubscriberStatus.Confirmed,
                CreatedAt = now, UpdatedAt = now, ConsentAt = now, ConfirmedAt = now, ConsentSource = "test",
            }));
            await db.SaveChangesAsync();
        });
        var statuses = new List<HttpStatusCode>();
        foreach (var key in keys)
        {
            var link = await app.UnsubscribeLinkAsync(key);
            // The mail provider's RFC 8058 POST and the reader's own click on the page's button, at the same moment.
            var answers = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ =>
                app.CreateReaderClient().PostAsync(link, new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]))));
            statuses.AddRange(answers.Select(a => a.StatusCode));
        }
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        foreach (var key in keys) Assert.Equal(SubscriberStatus.Unsubscribed, await StatusOf(key));
        var goodbyes = await app.WithDbAsync(db => db.Set<TransactionalEmail>().Where(e => e.Kind == SubscriberEmailKinds.Goodbye && keys.Contains(e.Recipient))
            .GroupBy(e => e.Recipient).Select(g => new { g.Key, Count = g.Count() }).ToListAsync());
        Assert.All(goodbyes, g => Assert.Equal(1, g.Count));
    }

    [Fact]
    public async Task An_erased_address_typed_in_decomposed_unicode_is_still_suppressed()
    {
        const string Composed = "jos\u00e9@example.org";      // é as one code point (NFC), what most keyboards type
        const string Decomposed = "jose\u0301@example.org";   // e + combining acute (NFD), what macOS copy/paste often gives
        Assert.True(EmailAddress.TryParse(Composed, out var composed, out _));
        Assert.True(EmailAddress.TryParse(Decomposed, out _, out var error), error);
        await using (var scope = app.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<SuppressionList>().AddAsync(composed!, SuppressionReason.Erased, null, CancellationToken.None);

        await app.SignUpAsync(Decomposed);
        // Never mailed again: no row, no confirmation in the outbox.
        Assert.False(await app.WithDbAsync(db => db.Set<Subscriber>().AnyAsync(s => s.EmailKey.StartsWith("jos"))));
    }

    [Fact]
    public async Task One_address_in_composed_and_decomposed_unicode_is_one_reader()
    {
        await app.SignUpAsync("zo\u00eb@example.org");
        await app.SignUpAsync("zoe\u0308@example.org");
        Assert.Equal(1, await app.WithDbAsync(db => db.Set<Subscriber>().CountAsync(s => s.EmailKey.StartsWith("zo"))));
    }
}
