using MailKit;
using Newsletter.Bounces;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Bounces;

/// <summary>Its own host: its processed folder is deleted under the running scanner.</summary>
[Collection(HostCollection.Name)]
public sealed class DeletedProcessedFolderTests(BounceApp app) : IClassFixture<BounceApp>
{
    /// <summary>
    /// Nothing is ever deleted, so "Processed" only grows; an operator deletes it from a mail client to start afresh.
    /// The scanner looked the folder up once, when it connected: every MOVE failed with NO [TRYCREATE], each
    /// message was logged as "was not applied; it stays and is read again next time" although it was applied, and the
    /// inbox filled up until the connection happened to break. Now it reconnects, which creates the folder again.
    /// </summary>
    [Fact]
    public async Task Mail_is_still_moved_after_the_processed_folder_was_deleted()
    {
        await app.ClearAudienceAsync();
        var readers = await app.AddReadersAsync("gone", 1);
        var issue = await app.SendIssueAsync("gone-1");
        var token = BounceApp.Token(app.Received(issue, readers[0].Email));
        await NewsletterApp.EventuallyAsync(async () =>
        {
            using var probe = await app.Dovecot.ConnectAsync("bounces");
            return (await probe.GetFoldersAsync(probe.PersonalNamespaces[0])).Any(f => f.Name == "Processed");
        }, "the scanner to create its processed folder");

        using (var client = await app.Dovecot.ConnectAsync("bounces"))
        {
            var processed = await client.GetFolderAsync("Processed");
            await processed.DeleteAsync();
            await client.DisconnectAsync(true);
        }
        var inbox = await app.Dovecot.CountAsync("bounces", "INBOX");
        await app.Dovecot.DeliverAsync("bounces", BounceApp.WithMessageId(
            BounceFixtures.Raw("postfix-remote-550.eml", token, ("gone@rejecting.example", readers[0].Email)), "gone-1@mta.example"));
        Assert.Equal(InboundOutcome.Applied, (await app.WaitForInboundAsync("gone-1@mta.example")).Outcome);
        await NewsletterApp.EventuallyAsync(async () => await app.Dovecot.CountAsync("bounces", "INBOX") == inbox, "the applied bounce to be moved out of the inbox", TimeSpan.FromSeconds(20));
    }
}
