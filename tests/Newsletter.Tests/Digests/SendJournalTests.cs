using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Digests;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Digests;

/// <summary>
/// A run's journal settles what a crash left in the ledger: a start-up after a crash makes the copies the server
/// accepted Sent, sends again the copies that never left or were refused, and leaves Unknown only the copy caught on the
/// wire. It touches no row another run holds, and no journal a live run holds. (The end-to-end proof, a real Host
/// killed with SIGKILL, is <see cref="CrashTests"/>.)
/// </summary>
[Collection(HostCollection.Name)]
public sealed class SendJournalTests(DigestApp app) : IClassFixture<DigestApp>
{
    [Fact]
    public async Task A_dead_runs_journal_makes_accepted_copies_sent_unsent_ones_pending_and_only_the_copy_on_the_wire_unknown()
    {
        // The host settles journals itself at start-up; this test's dead run must be settled by the call below.
        await app.StartupSweepDoneAsync();
        var readers = await app.AddReadersAsync("journal", 7);
        var (issueId, ids) = await SendingIssueAsync(readers.Select(r => r.Id));
        var dead = Guid.NewGuid();
        var other = Guid.NewGuid();
        var live = Guid.NewGuid();
        // The dead run claimed six rows of its window (the seventh, listed in its window too, another run got first).
        await ClaimAsync(issueId, [ids[6]], other);
        Assert.Equal(6, (await ClaimAsync(issueId, ids[..6], dead)).Count);
        await app.WithDbAsync(async db =>
        {
            db.Add(new DigestBatchLease { IssueId = issueId, FromId = ids[0], Token = dead, RenewedAt = DateTime.UtcNow });
            return await db.SaveChangesAsync();
        });

        var journals = app.Services.GetRequiredService<SendJournals>();
        string deadFile;
        using (var journal = journals.Start(dead, issueId, ids[0]))
        {
            journal.Window(ids);
            journal.Starting(ids[0]); journal.Accepted(ids[0]);         // accepted, not yet recorded
            journal.Starting(ids[1]); journal.NotDelivered(ids[1]);     // refused (say a 451), not yet recorded
            journal.Starting(ids[2]);                                   // on the wire when the process died
            journal.Starting(ids[4]); journal.Accepted(ids[4]);         // accepted; the sweep has since called it Unknown
            journal.Starting(ids[6]); journal.Accepted(ids[6]);         // not this run's row: left alone whatever it says
            // ids[3] and ids[5]: claimed, never started.
            deadFile = journal.Path;
            journal.Keep(); // as a killed process leaves it: the file stays, its lock goes with the handle
        }
        await app.WithDbAsync(db => db.Set<Delivery>().Where(d => d.Id == ids[4]).ExecuteUpdateAsync(s => s.SetProperty(d => d.State, DeliveryState.Unknown)));
        var attemptsBefore = (await app.DeliveriesAsync(issueId)).ToDictionary(d => d.Id, d => d.Attempts);

        // A run still alive in another process (here: this one) holds its file; its row must not move.
        var liveRow = (await app.AddReadersAsync("journal-live", 1)).Single();
        var liveId = await app.WithDbAsync(async db =>
        {
            var delivery = new Delivery { IssueId = issueId, SubscriberId = liveRow.Id };
            db.Add(delivery);
            await db.SaveChangesAsync();
            return delivery.Id;
        });
        await ClaimAsync(issueId, [liveId], live);
        using var liveJournal = journals.Start(live, issueId, liveId);
        liveJournal.Window([liveId]);
        liveJournal.Starting(liveId);
        liveJournal.Accepted(liveId);

        // A run killed while its journal was being made (it claims only after): the half-made file is cleared away.
        var unborn = Path.Combine(journals.Folder, Guid.NewGuid().ToString("N") + ".new");
        await File.WriteAllTextAsync(unborn, $"R {Guid.NewGuid():N} {issueId} 1\n");

        var deadText = await File.ReadAllTextAsync(deadFile);
        Assert.Equal(1, await journals.RecoverAsync(CancellationToken.None));

        var rows = (await app.DeliveriesAsync(issueId)).ToDictionary(d => d.Id);
        Assert.Equal(DeliveryState.Sent, rows[ids[0]].State);
        Assert.Equal(250, rows[ids[0]].SmtpStatus);
        Assert.NotNull(rows[ids[0]].SentAt);
        Assert.Equal((DeliveryState.Pending, attemptsBefore[ids[1]]), (rows[ids[1]].State, rows[ids[1]].Attempts));
        Assert.Equal(DeliveryState.Unknown, rows[ids[2]].State);
        Assert.Equal("The worker stopped while sending; the server may or may not have accepted it.", rows[ids[2]].Error);
        // Never started: Pending again, the claim's attempt given back.
        Assert.Equal((DeliveryState.Pending, attemptsBefore[ids[3]] - 1), (rows[ids[3]].State, rows[ids[3]].Attempts));
        Assert.Equal((DeliveryState.Pending, attemptsBefore[ids[5]] - 1), (rows[ids[5]].State, rows[ids[5]].Attempts));
        Assert.Equal(DeliveryState.Sent, rows[ids[4]].State);
        Assert.Equal((DeliveryState.Sending, other), (rows[ids[6]].State, rows[ids[6]].ClaimToken));
        Assert.Equal((DeliveryState.Sending, live), (rows[liveId].State, rows[liveId].ClaimToken));

        // The dead run's range is free at once (the restart sends the rest now, not after the lease); its file is gone.
        Assert.False(await app.WithDbAsync(db => db.Set<DigestBatchLease>().AnyAsync(l => l.Token == dead)));
        Assert.False(File.Exists(deadFile));
        Assert.True(File.Exists(liveJournal.Path));
        Assert.False(File.Exists(unborn));

        // Settling is idempotent: the same journal settled again (a crash during recovery) changes nothing.
        await app.WithDbAsync(async db =>
        {
            var account = SendJournal.Account.Read(deadText, SendJournals.Boot)!;
            return await new DeliveryLedger(db, TimeProvider.System).SettleDeadRunAsync(account, CancellationToken.None);
        });
        Assert.Equal(rows.Values.Select(r => (r.Id, r.State, r.Attempts)), (await app.DeliveriesAsync(issueId)).Select(r => (r.Id, r.State, r.Attempts)));
    }

    [Fact]
    public async Task A_journal_from_before_a_reboot_is_trusted_only_for_what_it_says_happened()
    {
        await app.StartupSweepDoneAsync();
        var readers = await app.AddReadersAsync("journal-reboot", 4);
        var (issueId, ids) = await SendingIssueAsync(readers.Select(r => r.Id));
        var dead = Guid.NewGuid();
        await ClaimAsync(issueId, ids, dead);
        var journals = app.Services.GetRequiredService<SendJournals>();
        string path;
        using (var journal = journals.Start(dead, issueId, ids[0]))
        {
            journal.Window(ids);
            journal.Starting(ids[0]); journal.Accepted(ids[0]);
            journal.Starting(ids[1]); journal.NotDelivered(ids[1]);
            journal.Starting(ids[2]);
            path = journal.Path;
            journal.Keep();
        }
        // The machine went down instead of the process: the page cache may have lost lines after these (say "S ids[3]").
        await File.WriteAllTextAsync(path, (await File.ReadAllTextAsync(path)).Replace(SendJournals.Boot, "an-earlier-boot"));

        Assert.Equal(1, await journals.RecoverAsync(CancellationToken.None));

        var rows = (await app.DeliveriesAsync(issueId)).ToDictionary(d => d.Id);
        Assert.Equal(DeliveryState.Sent, rows[ids[0]].State);
        Assert.Equal(DeliveryState.Pending, rows[ids[1]].State);
        // No line is no proof here: both stay the dead run's, for the sweep to make Unknown after the lease. Never resent.
        Assert.Equal((DeliveryState.Sending, DeliveryState.Sending), (rows[ids[2]].State, rows[ids[3]].State));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task Runs_that_end_leave_no_journal_behind()
    {
        var journals = app.Services.GetRequiredService<SendJournals>();
        await app.AddReadersAsync("journal-clean", 25);
        await app.PushArticleAsync("journal-clean-1", "Nothing left behind", "books");
        var counts = await app.WaitUntilSentAsync(await app.SendNowAsync());
        Assert.True(counts.Sent >= 25, $"{counts.Sent} sent");
        Assert.Empty(Directory.EnumerateFiles(journals.Folder));
    }

    [Fact]
    public void A_line_cut_short_by_the_crash_did_not_happen()
    {
        var token = Guid.NewGuid();
        var account = SendJournal.Account.Read($"R {token:N} 7 100 boot-1\nW 100,101,102\nS 100\nA 100\nS 101\nA 10", "boot-1")!;
        Assert.Equal((token, 7L, 100L, true), (account.Token, account.IssueId, account.FromId, account.Complete));
        Assert.Equal([100L], account.Accepted);
        Assert.Equal([101L], account.Uncertain);
        Assert.Equal([102L], account.NeverStarted);
        Assert.Empty(account.NotDelivered);
        Assert.Null(SendJournal.Account.Read($"R {token:N} 7", "boot-1"));
        // Written before a reboot: its last lines may be lost with the page cache, so it is not complete.
        Assert.False(SendJournal.Account.Read($"R {token:N} 7 100 boot-0\nW 100\n", "boot-1")!.Complete);
        // A damaged line (the disk, not the crash): what the journal does not say cannot be trusted either.
        var damaged = SendJournal.Account.Read($"R {token:N} 7 100 boot-1\nW 100,101\nS 1o1\nS 100\nA 100\n", "boot-1")!;
        Assert.False(damaged.Complete);
        Assert.Equal([100L], damaged.Accepted);
        Assert.Equal([101L], damaged.NeverStarted);
    }

    private async Task<(long IssueId, long[] Ids)> SendingIssueAsync(IEnumerable<long> subscriberIds) => await app.WithDbAsync(async db =>
    {
        var now = DateTime.UtcNow;
        await using var transaction = await db.Database.BeginTransactionAsync();
        var issue = new DigestIssue
        {
            Frequency = Newsletter.Subscribers.DigestFrequency.Daily, Key = "journal-test:" + Guid.NewGuid().ToString("N"), PeriodStart = now.AddDays(-1), PeriodEnd = now,
            Subject = "A run died sending this", State = DigestIssueState.Sending, CreatedAt = now, StartedAt = now,
        };
        db.Add(issue);
        await db.SaveChangesAsync();
        var rows = subscriberIds.Select(id => new Delivery { IssueId = issue.Id, SubscriberId = id }).ToList();
        db.AddRange(rows);
        await db.SaveChangesAsync();
        await transaction.CommitAsync();
        return (issue.Id, rows.Select(r => r.Id).ToArray());
    });

    private Task<IReadOnlyList<long>> ClaimAsync(long issueId, long[] ids, Guid token) =>
        app.WithDbAsync(db => new DeliveryLedger(db, TimeProvider.System).ClaimAsync(issueId, ids, token, CancellationToken.None));
}
