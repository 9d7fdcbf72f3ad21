using Microsoft.Extensions.DependencyInjection;
using Newsletter.Digests;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Digests;

/// <summary>A short lease and windows that take longer than it to send: only a renewed claim keeps them safe.</summary>
public sealed class SlowSendingApp : DigestApp
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        base.Settings.Concat([new("Digests:SendingLease", "00:00:02"), new("Digests:ClaimWindow", "5"), new("Digests:Connections", "1")]);
}

/// <summary>
/// A server that takes 600 ms per message, windows of five (three seconds each) and a two-second lease, with the sweep
/// running all the while: a live batch renews its claims, even past a renewal the database refused, so the sweep never
/// takes its rows for a dead worker's, and every reader ends Sent with one copy.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class SlowSendingTests(SlowSendingApp app) : IClassFixture<SlowSendingApp>
{
    [Fact]
    public async Task The_sweep_never_marks_a_live_batch_unknown_however_slowly_it_sends()
    {
        await app.ClearAudienceAsync();
        await app.PushArticleAsync("slow-1", "Slowly does it", "books");
        var readers = await app.AddReadersAsync("slow", 10);
        app.Smtp.Script = m => m.Stage == SmtpStage.EndOfData ? new SmtpAction.Delay(TimeSpan.FromMilliseconds(600)) : null;
        try
        {
            var issue = await app.SendNowAsync();
            var sweeps = await SweepUntilDoneAsync(issue);
            var counts = await app.WaitUntilSentAsync(issue);
            Assert.Equal((10, 0, 0), (counts.Sent, counts.Unknown, counts.Failed));
            Assert.True(sweeps >= 10, $"the sweep ran only {sweeps} times");
            foreach (var reader in readers) Assert.Equal(1, app.Smtp.AcceptedCount.GetValueOrDefault(reader.Email));
        }
        finally
        {
            app.Smtp.Script = null;
        }
    }

    [Fact]
    public async Task A_renewal_the_database_refuses_for_a_moment_does_not_end_the_renewing()
    {
        await app.ClearAudienceAsync();
        await app.PushArticleAsync("slow-2", "Refused for a moment", "books");
        var readers = await app.AddReadersAsync("renewed", 10);
        app.Smtp.Script = m => m.Stage == SmtpStage.EndOfData ? new SmtpAction.Delay(TimeSpan.FromMilliseconds(600)) : null;
        try
        {
            var issue = await app.SendNowAsync();
            await NewsletterApp.EventuallyAsync(() => Task.FromResult(readers.Any(r => app.Smtp.AcceptedCount.ContainsKey(r.Email))), "the first copy");
            // For 0.7 s the database refuses to renew the run's range (renewals come every 0.5 s): one or two fail, and
            // the next ones must still come, or the sweep takes the live run for a dead one once the 2 s lease is out.
            await using (await RefusingTrigger.RefuseAsync(app, "DigestBatchLeases", "UPDATE"))
                await Task.Delay(700);
            await SweepUntilDoneAsync(issue);
            var counts = await app.WaitUntilSentAsync(issue);
            Assert.Equal((10, 0, 0), (counts.Sent, counts.Unknown, counts.Failed));
            foreach (var reader in readers) Assert.Equal(1, app.Smtp.AcceptedCount.GetValueOrDefault(reader.Email));
        }
        finally
        {
            app.Smtp.Script = null;
        }
    }

    /// <summary>Runs the sweep every 250 ms until the issue is done, as its schedule would; returns how many times it ran.</summary>
    private async Task<int> SweepUntilDoneAsync(long issue)
    {
        var sweeps = 0;
        while (!(await app.CountsAsync(issue)).Done)
        {
            await using (var scope = app.Services.CreateAsyncScope())
                await scope.ServiceProvider.GetRequiredService<DigestSweepJob>().RunAsync(false, CancellationToken.None);
            sweeps++;
            await Task.Delay(250);
        }
        return sweeps;
    }
}
