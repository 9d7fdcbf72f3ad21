using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Bounces;
using Newsletter.Data;
using Newsletter.Digests;
using Newsletter.Donations;
using Newsletter.Email;
using Newsletter.Links;
using Newsletter.Staff;
using Newsletter.Tests.Dashboard;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Data;

/// <summary>
/// Where two workers may insert the same row at once, the unique index decides and the loser steps back quietly. A
/// write the database refuses for any other reason (full, read-only, failing) is not such a race and must not be taken
/// for one: a suppression that was never written is not "already suppressed", a lease that could not be taken is not
/// "held by a live run", a campaign that could not be saved is not "slug taken". The refusal here is a real one, made
/// by the database itself (<see cref="RefusingTrigger"/>).
/// </summary>
[Collection(HostCollection.Name)]
public sealed class RefusedWriteTests(NewsletterApp app) : IClassFixture<NewsletterApp>
{
    [Fact]
    public async Task A_suppression_the_database_refuses_is_an_error_and_one_another_worker_wrote_first_is_kept_once()
    {
        var refused = Address("refused-list@refused.example");
        await using (await RefusingTrigger.RefuseAsync(app, "SuppressedAddresses"))
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var list = scope.ServiceProvider.GetRequiredService<SuppressionList>();
            await Assert.ThrowsAsync<DbUpdateException>(() => list.AddAsync(refused, SuppressionReason.Complaint, null, CancellationToken.None));
            Assert.False(await list.IsSuppressedAsync(refused, CancellationToken.None));
        }

        // Another worker suppresses the same address between this one's check and its insert: no error, one row, the
        // first reason kept.
        var raced = Address("raced-list@refused.example");
        var otherWorker = new BeforeSaving(async () =>
        {
            await using var scope = app.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<SuppressionList>().AddAsync(raced, SuppressionReason.HardBounce, null, CancellationToken.None);
        });
        await using var db = TestDatabase.CreateContext(app.Postgres, app.DataDirectory, otherWorker);
        using var late = new SuppressionList(db, app.Services.GetRequiredService<SigningKey>(), TimeProvider.System);
        await late.AddAsync(raced, SuppressionReason.Complaint, null, CancellationToken.None);
        Assert.Equal(1, otherWorker.Calls);
        var hash = late.HashOf(raced.Key);
        Assert.Equal(new[] { SuppressionReason.HardBounce }, await app.WithDbAsync(d => d.Set<SuppressedAddress>().Where(s => s.AddressHash == hash).Select(s => s.Reason).ToListAsync()));
    }

    [Fact]
    public async Task An_email_refused_for_good_whose_suppression_cannot_be_written_is_not_left_failed_and_ends_failed_and_suppressed_once_it_can()
    {
        const string reader = "gone-for-good@refused.example";
        app.Smtp.Script = m => m.Stage == SmtpStage.Rcpt && m.Address == reader ? new SmtpAction.Reply($"550 5.1.1 <{reader}>: Recipient address rejected: User unknown") : null;
        try
        {
            await using (await RefusingTrigger.RefuseAsync(app, "SuppressedAddresses"))
            {
                await app.SignUpAsync(reader);
                // Refused, but the list would not take the address: the row waits for another try instead of saying
                // Failed while the address could still be mailed.
                await NewsletterApp.EventuallyAsync(async () => (await app.OutboxEmailAsync(reader)).LastError?.Contains("could not be written") == true,
                    "the outbox to note that the suppression could not be written");
                var waiting = await app.OutboxEmailAsync(reader);
                Assert.NotEqual(TransactionalEmailState.Failed, waiting.State);
                Assert.Contains("5.1.1", waiting.LastError);
                Assert.False(await IsSuppressedAsync(reader));
            }

            // The database takes writes again: the next try is refused again and recorded with the suppression.
            await NewsletterApp.EventuallyAsync(async () => (await app.OutboxEmailAsync(reader)).State == TransactionalEmailState.Failed, "the email to end Failed");
            Assert.True(await IsSuppressedAsync(reader));
            Assert.Contains("5.1.1", (await app.OutboxEmailAsync(reader)).LastError);
            Assert.False(app.Smtp.AcceptedCount.ContainsKey(reader));
        }
        finally
        {
            app.Smtp.Script = null;
        }
    }

    [Fact]
    public async Task A_range_lease_the_database_refuses_is_an_error_not_a_live_run()
    {
        var issueId = await app.WithDbAsync(async db =>
        {
            var now = DateTime.UtcNow;
            var issue = new DigestIssue { Key = "refused-" + Guid.NewGuid().ToString("N"), Subject = "Refused", CreatedAt = now, PeriodStart = now.AddDays(-1), PeriodEnd = now };
            db.Add(issue);
            await db.SaveChangesAsync();
            return issue.Id;
        });
        Task<bool> LeaseAsync(Guid token) => app.WithDbAsync(db =>
            new DeliveryLedger(db, TimeProvider.System).LeaseRangeAsync(issueId, 1, token, Guid.NewGuid(), TimeSpan.FromMinutes(5), CancellationToken.None));

        await using (await RefusingTrigger.RefuseAsync(app, "DigestBatchLeases"))
            await Assert.ThrowsAsync<DbUpdateException>(() => LeaseAsync(Guid.NewGuid()));

        // A range another run really holds is still "busy", not an error.
        Assert.True(await LeaseAsync(Guid.NewGuid()));
        Assert.False(await LeaseAsync(Guid.NewGuid()));
    }

    [Fact]
    public async Task A_mailbox_lease_the_database_refuses_is_an_error_not_another_holder()
    {
        Task<bool> AcquireAsync(string holder) => app.WithDbAsync(db =>
            new MailboxLeases(db, TimeProvider.System).TryAcquireAsync("refused-test-mailbox", holder, TimeSpan.FromMinutes(5), CancellationToken.None));

        await using (await RefusingTrigger.RefuseAsync(app, "MailboxLeases"))
            await Assert.ThrowsAsync<DbUpdateException>(() => AcquireAsync("first-worker"));

        Assert.True(await AcquireAsync("first-worker"));
        Assert.False(await AcquireAsync("second-worker"));
    }

    [Fact]
    public async Task A_campaign_the_database_refuses_to_save_is_an_error_not_a_taken_slug()
    {
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var input = new CampaignInput("refused-drive", "The refused drive", 500_000, "usd", today, today.AddDays(30), null);
        Task<(Campaign? Campaign, string? Error)> SaveAsync() => WithScopeAsync(s => s.GetRequiredService<Campaigns>().SaveAsync(null, input, CancellationToken.None));

        await using (await RefusingTrigger.RefuseAsync(app, "Campaigns"))
            await Assert.ThrowsAsync<DbUpdateException>(SaveAsync);

        var saved = await SaveAsync();
        Assert.Null(saved.Error);
        Assert.Equal("refused-drive", saved.Campaign?.Slug);
        Assert.Equal("slug 'refused-drive' is already used by another campaign.", (await SaveAsync()).Error);
    }

    [Fact]
    public async Task A_first_run_setup_the_database_refuses_is_an_error_not_setup_already_done()
    {
        Task<StaffCreation> SetUpAsync() => WithScopeAsync(s => s.GetRequiredService<StaffAccounts>().CreateFirstOwnerAsync("first-owner@refused.example", StaffBrowser.Password, CancellationToken.None));

        await using (await RefusingTrigger.RefuseAsync(app, "FirstOwnerClaims"))
            await Assert.ThrowsAsync<DbUpdateException>(SetUpAsync);

        Assert.Equal(0, await app.WithDbAsync(db => db.Users.CountAsync()));
        var created = await SetUpAsync();
        Assert.True(created.Succeeded, string.Join("; ", created.Errors));
        Assert.Equal(new[] { StaffAccounts.SetupDone }, (await SetUpAsync()).Errors);
    }

    private static EmailAddress Address(string text) =>
        EmailAddress.TryParse(text, out var address, out var error) ? address : throw new ArgumentException(error, nameof(text));

    private async Task<bool> IsSuppressedAsync(string email) => await WithScopeAsync(s => s.GetRequiredService<SuppressionList>().IsSuppressedAsync(Address(email), CancellationToken.None));

    private async Task<T> WithScopeAsync<T>(Func<IServiceProvider, Task<T>> work)
    {
        await using var scope = app.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider);
    }

    /// <summary>Runs another writer's work just before this context saves: the moment a race is lost.</summary>
    private sealed class BeforeSaving(Func<Task> otherWriter) : SaveChangesInterceptor
    {
        public int Calls { get; private set; }

        public override async ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            Calls++;
            await otherWriter();
            return result;
        }
    }
}
