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
        for (var i = 1; i <= 3; i++) await SignUpAsync($"new{i}@signup.example");
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
        await SignUpAsync("late@signup.example");
        await app.Smtp.WaitForMessageToAsync("late@signup.example");
        await NewsletterApp.EventuallyAsync(async () => await app.WithDbAsync(db => db.Set<TransactionalEmail>()
            .AnyAsync(e => e.Recipient == "late@signup.example" && e.State == TransactionalEmailState.Sent)), "the late confirmation to be Sent");
        Assert.Equal(5, (await app.CountsAsync(issue)).Pending);
    }

    private async Task SignUpAsync(string email)
    {
        var response = await app.CreateReaderClient().PostAsJsonAsync("/api/subscribers", new { email });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }
}
