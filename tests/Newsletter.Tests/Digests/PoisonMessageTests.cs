using Microsoft.EntityFrameworkCore;
using Newsletter.Digests;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Digests;

public sealed class TwoAttemptsApp : DigestApp
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        base.Settings.Concat([new("Digests:MaxAttempts", "2")]);
}

/// <summary>
/// Digests README, "Not guaranteed": "A poison message that makes the server drop the connection every time costs
/// the reader an attempt after three fresh connections, and ends Failed after MaxAttempts."
/// </summary>
[Collection(HostCollection.Name)]
public sealed class PoisonMessageTests(TwoAttemptsApp app) : IClassFixture<TwoAttemptsApp>
{
    [Fact]
    public async Task A_poison_message_that_is_never_handed_over_ends_failed_after_max_attempts()
    {
        app.Smtp.Script = null;
        app.Smtp.Clear();
        await app.ClearAudienceAsync();
        await app.PushArticleAsync("poison-" + Guid.NewGuid().ToString("N")[..6], "News for poison", "books");
        var readers = await app.AddReadersAsync("poison", 3);
        var target = readers[1].Email;
        // The server closes the connection with 421 whenever this reader's message reaches the end of its data.
        app.Smtp.Script = m => m.Stage == SmtpStage.EndOfData && m.Recipients.Contains(target)
            ? new SmtpAction.ReplyAndClose("421 4.3.0 Cannot process this message, closing connection") : null;

        var issue = await app.SendNowAsync();
        // MaxAttempts = 2, RetryDelay = 1 s: the second attempt is due 1 s after the first; 30 s is plenty.
        DeliveryCounts counts;
        try
        {
            counts = await app.WaitUntilSentAsync(issue, TimeSpan.FromSeconds(30));
        }
        finally
        {
            app.Smtp.Script = null;
        }
        var row = (await app.DeliveriesAsync(issue)).Single(d => d.SubscriberId == readers[1].Id);
        Assert.Equal((2, 1, 0), (counts.Sent, counts.Failed, counts.Pending));
        Assert.Equal(DeliveryState.Failed, row.State);
        Assert.True(row.Attempts <= 2, $"attempts {row.Attempts}");
        // The server's refusal to take it is not the reader's address being dead.
        Assert.False(await app.IsSuppressedAsync(target));
        Assert.Equal(1, app.Smtp.AcceptedCount.GetValueOrDefault(readers[0].Email));
    }
}
