using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Newsletter.Bounces;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Bounces;

/// <summary>Its own host: its own scanner is stopped and two workers made by hand take its place.</summary>
[Collection(HostCollection.Name)]
public sealed class FailingWorkerLeaseTests(BounceApp app) : IClassFixture<BounceApp>
{
    /// <summary>
    /// Worker A cannot log in (a stale password in its environment, a firewall or DNS failure on its node); worker B
    /// can. A took the lease and renewed it before every retry (RenewAsync returns true: "ours"), and its
    /// back-off is capped at 5 x PollInterval: while that cap was below the lease (PollInterval under 24 s with the
    /// 2-minute default; here 2 s and 30 s), the lease never ran out and B never read the mailbox. Now A lets go on each failure.
    /// </summary>
    [Fact]
    public async Task A_worker_that_cannot_log_in_does_not_keep_the_mailbox_from_one_that_can()
    {
        await app.ClearAudienceAsync();
        var readers = await app.AddReadersAsync("stuck", 1);
        var issue = await app.SendIssueAsync("stuck-1");
        var token = BounceApp.Token(app.Received(issue, readers[0].Email));

        var hosted = app.Services.GetServices<IHostedService>().OfType<MailboxScanner>().Single();
        await hosted.StopAsync(CancellationToken.None);
        MailboxScanner Worker(string password) => new(
            app.Services.GetRequiredService<IServiceScopeFactory>(), app.Services.GetRequiredService<MailboxReader>(),
            Microsoft.Extensions.Options.Options.Create(new BounceOptions
            {
                Address = "bounces@test-review.example",
                MailboxLease = TimeSpan.FromSeconds(30),
                Imap = new MailboxOptions
                {
                    Host = "127.0.0.1", Port = app.Dovecot.Port, Security = MailKit.Security.SecureSocketOptions.None,
                    Username = "bounces", Password = password, PollInterval = TimeSpan.FromSeconds(2),
                },
            }),
            app.Services.GetRequiredService<IHostApplicationLifetime>(), TimeProvider.System, app.Services.GetRequiredService<ILogger<MailboxScanner>>());
        using var broken = Worker("not-the-password");
        using var healthy = Worker(DovecotServer.Password);
        try
        {
            await broken.StartAsync(CancellationToken.None);
            await NewsletterApp.EventuallyAsync(async () => await app.WithDbAsync(db => db.Set<MailboxLease>()
                .AnyAsync(l => l.Name == MailboxScanner.BounceMailbox && l.LastError != null)), "worker A to hold the lease and fail to log in");
            await healthy.StartAsync(CancellationToken.None);

            await app.Dovecot.DeliverAsync("bounces", BounceApp.WithMessageId(
                BounceFixtures.Raw("postfix-remote-550.eml", token, ("gone@rejecting.example", readers[0].Email)), "stuck-1@mta.example"));
            // Twice the lease: time enough for any lease A was not really using to run out and for B to take over.
            await NewsletterApp.EventuallyAsync(async () => await app.InboundAsync("stuck-1@mta.example") is not null,
                "worker B to read the bounce", TimeSpan.FromSeconds(60));
        }
        finally
        {
            await broken.StopAsync(CancellationToken.None);
            await healthy.StopAsync(CancellationToken.None);
        }
    }
}
