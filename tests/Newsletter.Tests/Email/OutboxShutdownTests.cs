using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Newsletter.Email;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Email;

/// <summary>
/// A host of the test's own, stopped while its outbox job waits for a server that is slow to greet. (Not beside another
/// host: Hangfire's log provider is process-wide, and a host stopped beside a live one would take the live one's with it.)
/// </summary>
[Collection(HostCollection.Name)]
public sealed class OutboxShutdownTests
{
    [Fact]
    public async Task A_graceful_shutdown_after_the_claim_gives_the_email_back_instead_of_losing_it()
    {
        var own = new NewsletterApp();
        await own.InitializeAsync();
        var stopped = false;
        try
        {
            own.Smtp.Script = m => m.Stage == SmtpStage.Greeting ? new SmtpAction.Delay(TimeSpan.FromSeconds(20)) : null;
            await own.SignUpAsync("shutdown@example.org");
            await NewsletterApp.EventuallyAsync(async () => await own.WithDbAsync(db =>
                db.Set<TransactionalEmail>().AnyAsync(e => e.Recipient == "shutdown@example.org" && e.State == TransactionalEmailState.Sending)), "the email to be claimed");

            await ((Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program>)own).DisposeAsync();
            stopped = true;

            // Read the database the stopped host left behind, as an operator would.
            await using var db = TestDatabase.CreateContext(own.Postgres, own.DataDirectory);
            var row = await db.Set<TransactionalEmail>().AsNoTracking().SingleAsync(e => e.Recipient == "shutdown@example.org");
            Assert.Equal((TransactionalEmailState.Pending, 0), (row.State, row.Attempts));
        }
        finally
        {
            if (!stopped) await ((Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactory<Program>)own).DisposeAsync();
            await ((IAsyncLifetime)own).DisposeAsync();
        }
    }

}
