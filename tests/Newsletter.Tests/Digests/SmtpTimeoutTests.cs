using Newsletter.Tests.Support;

namespace Newsletter.Tests.Digests;

/// <summary>A one-second SMTP timeout (Email:Smtp:TimeoutSeconds) and one connection, so a silent server is met at once.</summary>
public sealed class SmtpTimeoutApp : DigestApp
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        base.Settings.Concat([new("Email:Smtp:TimeoutSeconds", "1"), new("Digests:Connections", "1")]);
}

/// <summary>
/// A server that goes silent: the send layer's own socket stream (Email/SmtpSocketStream) times the exchange out,
/// closes that connection for good and goes on with a fresh one. Silent before the message was complete, the server
/// cannot have it: the reader is sent again, once. Silent after the final ".": the reader may have it, so the row is
/// Unknown and is not sent again. Every other reader gets exactly one copy either way.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class SmtpTimeoutTests(SmtpTimeoutApp app) : IClassFixture<SmtpTimeoutApp>
{
    [Fact]
    public async Task A_server_silent_before_the_data_times_out_and_the_reader_is_sent_once_on_a_fresh_connection()
    {
        await app.ClearAudienceAsync();
        await app.PushArticleAsync("timeout-mail", "Silence before the data", "books");
        var readers = await app.AddReadersAsync("silent-mail", 6);
        var target = readers[2].Email;
        var silences = 0;
        // The first RCPT TO for that reader is answered after 4 s: long past the client's one-second timeout.
        app.Smtp.Script = m => m.Stage == SmtpStage.Rcpt && m.Address == target && Interlocked.Increment(ref silences) == 1
            ? new SmtpAction.Delay(TimeSpan.FromSeconds(4)) : null;
        try
        {
            var connectionsBefore = app.Smtp.ConnectionCount;
            var counts = await app.WaitUntilSentAsync(await app.SendNowAsync());

            Assert.Equal((6, 0, 0), (counts.Sent, counts.Unknown, counts.Failed));
            Assert.True(Volatile.Read(ref silences) >= 2, "the reader's address was not offered again after the silence");
            foreach (var reader in readers) Assert.Equal(1, app.Smtp.AcceptedCount.GetValueOrDefault(reader.Email));
            // The timed-out connection was not used again: the send opened a fresh one (the pool may have started it
            // on an idle connection left by another test, so at least one new connection, not two).
            Assert.True(app.Smtp.ConnectionCount > connectionsBefore, "no new connection after the timeout");
        }
        finally
        {
            app.Smtp.Script = null;
        }
    }

    [Fact]
    public async Task A_server_silent_after_the_final_dot_leaves_that_reader_unknown_and_mails_everyone_else_once()
    {
        await app.ClearAudienceAsync();
        await app.PushArticleAsync("timeout-data", "Silence after the data", "books");
        var readers = await app.AddReadersAsync("silent-data", 6);
        var target = readers[2].Email;
        // The server answers the end of that reader's message after 4 s (and keeps it): the client has given up by then.
        app.Smtp.Script = m => m.Stage == SmtpStage.EndOfData && m.Recipients.Contains(target) ? new SmtpAction.Delay(TimeSpan.FromSeconds(4)) : null;
        try
        {
            var counts = await app.WaitUntilSentAsync(await app.SendNowAsync());

            Assert.Equal((5, 1, 0), (counts.Sent, counts.Unknown, counts.Failed));
            foreach (var reader in readers.Where(r => r.Email != target)) Assert.Equal(1, app.Smtp.AcceptedCount.GetValueOrDefault(reader.Email));
            // Never a second copy for the reader whose fate was unknown.
            Assert.True(app.Smtp.AcceptedCount.GetValueOrDefault(target) <= 1);
        }
        finally
        {
            app.Smtp.Script = null;
        }
    }
}
