using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Newsletter.Email;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Digests;

/// <summary>The whole service with an hourly relay limit of 8 messages (<c>Digests:WindowLimit</c>).</summary>
public sealed class RelayLimitApp : DigestApp
{
    public const int PerHour = 8;

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        base.Settings.Concat([new("Digests:WindowLimit", PerHour.ToString()), new("Digests:Window", "01:00:00")]);
}

/// <summary>
/// A relay's limit is for all the mail it takes. Confirmations count against it, so a digest sent after them stays
/// within the relay's hour; and a confirmation never waits for the digest's allowance.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class RelayLimitTests(RelayLimitApp app) : IClassFixture<RelayLimitApp>
{
    [Fact]
    public async Task Confirmations_count_against_the_relays_hour_and_still_go_when_it_is_spent()
    {
        app.Smtp.Clear();
        await app.ClearAudienceAsync();
        for (var i = 1; i <= 3; i++) await app.SignUpAsync($"new{i}@signup.example");
        await NewsletterApp.EventuallyAsync(() => Task.FromResult(app.Smtp.Messages.Count == 3), "three confirmations");

        await app.PushArticleAsync("relay-" + Guid.NewGuid().ToString("N")[..6], "News for the relay", "books");
        var readers = await app.AddReadersAsync("relay", 10);
        var issue = await app.SendNowAsync();

        // The hour allows 8: 3 confirmations went, so the digest sends 5 and keeps the other 5 for the next hour.
        await NewsletterApp.EventuallyAsync(async () =>
        {
            var counts = await app.CountsAsync(issue);
            return counts.Sent == 5 && counts.Sending == 0;
        }, "five copies of the digest");
        await Task.Delay(1500);
        var held = await app.CountsAsync(issue);
        Assert.Equal((5, 5, 0, 0), (held.Sent, held.Pending, held.Unknown, held.Failed));
        Assert.Equal(5, readers.Count(r => app.Smtp.AcceptedCount.GetValueOrDefault(r.Email) == 1));
        Assert.Equal(RelayLimitApp.PerHour, app.Smtp.Messages.Count);

        // The hour is spent, and a new reader's confirmation still goes at once: the digest is the one that waits.
        await app.SignUpAsync("late@signup.example");
        await app.Smtp.WaitForMessageToAsync("late@signup.example");
        await NewsletterApp.EventuallyAsync(async () => await app.WithDbAsync(db => db.Set<TransactionalEmail>()
            .AnyAsync(e => e.Recipient == "late@signup.example" && e.State == TransactionalEmailState.Sent)), "the late confirmation to be Sent");
        Assert.Equal(5, (await app.CountsAsync(issue)).Pending);
    }
}

/// <summary>The whole service with a relay rate of 4 messages a second (<c>Digests:MessagesPerSecond</c>).</summary>
public sealed class RelayRateApp : DigestApp
{
    public const int PerSecond = 4;

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        base.Settings.Concat([new("Digests:MessagesPerSecond", PerSecond.ToString())]);
}

/// <summary>A run of transactional mail (a rush of sign-ups, the annual statements) goes at the relay's rate, not over it.</summary>
[Collection(HostCollection.Name)]
public sealed class RelayRateTests(RelayRateApp app) : IClassFixture<RelayRateApp>
{
    [Fact]
    public async Task A_rush_of_confirmations_goes_at_the_relays_rate_and_every_one_arrives_once()
    {
        app.Smtp.Clear();
        const int readers = 16;
        var emails = Enumerable.Range(1, readers).Select(i => $"rush{i}@signup.example").ToList();
        await Task.WhenAll(emails.Select(app.SignUpAsync));
        await NewsletterApp.EventuallyAsync(() => Task.FromResult(app.Smtp.Messages.Count >= readers), $"{readers} confirmations", TimeSpan.FromSeconds(60));

        Assert.All(emails, email => Assert.Equal(1, app.Smtp.AcceptedCount.GetValueOrDefault(email)));
        // In any second: the rate, plus the tenth of a second's allowance the bucket holds and the one more transactional
        // mail may borrow (a burst goes at once), plus one for the clock of the server seeing them. All at once they
        // arrive within a fraction of a second.
        var arrivals = app.Smtp.Messages.Select(m => m.ReceivedAt).Order().ToList();
        var busiest = arrivals.Max(start => arrivals.Count(at => at >= start && at < start.AddSeconds(1)));
        Assert.True(busiest <= RelayRateApp.PerSecond + 3, $"{busiest} confirmations in one second (rate {RelayRateApp.PerSecond})");
    }
}
