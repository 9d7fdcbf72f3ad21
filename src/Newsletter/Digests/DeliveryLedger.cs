using Microsoft.EntityFrameworkCore;
using Newsletter.Data;
using Newsletter.Email;
using Newsletter.Jobs;

namespace Newsletter.Digests;

/// <summary>
/// Every state change of the delivery ledger, each one set-based and conditional on the current state (the state is
/// the lock). A batch run claims a few rows at a time just before sending them, renews its claims while it lives, and
/// records each window's outcomes in one transaction; whatever it did not hand over goes back to Pending.
/// </summary>
public sealed class DeliveryLedger(NewsletterDb db, TimeProvider clock)
{
    /// <summary>
    /// Claims those of <paramref name="ids"/> that are still Pending and due (Pending → Sending, attempts + 1), only while
    /// the issue is Sending (a paused issue claims nothing). Returns the ids claimed, in the order given.
    /// </summary>
    public async Task<IReadOnlyList<long>> ClaimAsync(long issueId, IReadOnlyList<long> ids, Guid token, CancellationToken cancellationToken)
    {
        if (ids.Count == 0) return [];
        var now = clock.GetUtcNow().UtcDateTime;
        // Plain SQL (so is RecordAsync's Sent update): the two statements of every window of every send. EF's LINQ pipeline
        // (parameter extraction, the IN list's SQL made again on each execution) was about a sixth of a send's CPU.
        var claimed = await db.Database.ExecuteSqlRawAsync(ClaimSql.For(ids.Count), [token, now, issueId, .. ids.Cast<object>()], cancellationToken);
        if (claimed == ids.Count) return ids;
        if (claimed == 0) return [];
        // Some were taken by another run or are no longer due: read back exactly which are ours.
        var list = ids.ToList();
        var ours = (await db.Set<Delivery>().Where(d => list.Contains(d.Id) && d.ClaimToken == token && d.State == DeliveryState.Sending)
            .Select(d => d.Id).ToListAsync(cancellationToken)).ToHashSet();
        return ids.Where(ours.Contains).ToList();
    }

    /// <summary>The claim: {0} token, {1} now, {2} issue, then the ids. Internal for the plan test (DigestClaimPlanTests).</summary>
    internal static readonly SqlByCount ClaimSql = new(count => $$"""
            UPDATE "Deliveries" SET "State" = {{(int)DeliveryState.Sending}}, "ClaimToken" = {0}, "ClaimedAt" = {1}, "Attempts" = "Attempts" + 1
            WHERE "IssueId" = {2} AND "State" = {{(int)DeliveryState.Pending}} AND ("NextAttemptAt" IS NULL OR "NextAttemptAt" <= {1})
              AND EXISTS (SELECT 1 FROM "DigestIssues" AS i WHERE i."Id" = {2} AND i."State" = {{(int)DigestIssueState.Sending}})
              AND "Id" IN ({{Placeholders(3, count)}})
            """);

    /// <summary>A window's accepted copies: {0} now, {1} token, then the ids.</summary>
    private static readonly SqlByCount SentSql = new(count => $$"""
            UPDATE "Deliveries" SET "State" = {{(int)DeliveryState.Sent}}, "SentAt" = {0}, "SmtpStatus" = 250, "Error" = NULL
            WHERE "ClaimToken" = {1} AND "State" = {{(int)DeliveryState.Sending}} AND "Id" IN ({{Placeholders(2, count)}})
            """);

    /// <summary>
    /// One statement's text per number of ids ("IN ({3}, {4}, ...)"), made once. Double-quoted names read the same on
    /// SQLite, PostgreSQL and SQL Server (SqlClient sets QUOTED_IDENTIFIER on).
    /// </summary>
    internal sealed class SqlByCount(Func<int, string> make)
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<int, string> _texts = new();
        public string For(int count) => _texts.GetOrAdd(count, make);
    }

    private static string Placeholders(int first, int count) =>
        string.Join(", ", Enumerable.Range(first, count).Select(i => "{" + i.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}"));

    /// <summary>
    /// Takes the range for one run: a lease nobody holds, or one its holder stopped renewing more than
    /// <paramref name="lease"/> ago. False when a live run holds it.
    /// </summary>
    public async Task<bool> LeaseRangeAsync(long issueId, long fromId, Guid token, Guid worker, TimeSpan lease, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var cutoff = now - lease;
        if (await db.Set<DigestBatchLease>().Where(l => l.IssueId == issueId && l.FromId == fromId && (l.RenewedAt < cutoff || l.Token == token))
                .ExecuteUpdateAsync(s => s.SetProperty(l => l.Token, token).SetProperty(l => l.RenewedAt, now).SetProperty(l => l.WorkerId, worker), cancellationToken) > 0)
            return true;
        db.Add(new DigestBatchLease { IssueId = issueId, FromId = fromId, Token = token, RenewedAt = now, WorkerId = worker });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException e) when (DatabaseErrors.IsUniqueViolation(e))
        {
            // The range's lease exists and is alive: another run is sending it. Any other failure goes up: the job fails
            // with the database's error (the sweep sends the range again) instead of a debug line about a live run.
            db.ChangeTracker.Clear();
            return false;
        }
    }

    /// <summary>Lets the range go (the run is over); the next job for it may start at once.</summary>
    public Task<int> ReleaseRangeAsync(long issueId, long fromId, Guid token) =>
        db.Set<DigestBatchLease>().Where(l => l.IssueId == issueId && l.FromId == fromId && l.Token == token).ExecuteDeleteAsync(CancellationToken.None);

    /// <summary>Keeps a live run's range and claims fresh, so neither the sweep nor another job takes them for a dead worker's.</summary>
    public async Task RenewAsync(Guid token, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await db.Set<DigestBatchLease>().Where(l => l.Token == token).ExecuteUpdateAsync(s => s.SetProperty(l => l.RenewedAt, now), cancellationToken);
        await db.Set<Delivery>().Where(d => d.ClaimToken == token && d.State == DeliveryState.Sending)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.ClaimedAt, now), cancellationToken);
    }

    /// <summary>The ranges (by first id) of an issue that a live run holds.</summary>
    public async Task<HashSet<long>> LeasedRangesAsync(long issueId, TimeSpan lease, CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow().UtcDateTime - lease;
        return (await db.Set<DigestBatchLease>().Where(l => l.IssueId == issueId && l.RenewedAt >= cutoff).Select(l => l.FromId).ToListAsync(cancellationToken)).ToHashSet();
    }

    /// <summary>Pending rows that will not be sent on purpose (the reader left or is suppressed, no article in their topics).</summary>
    public Task<int> SkipAsync(IReadOnlyCollection<long> ids, string reason, CancellationToken cancellationToken)
    {
        if (ids.Count == 0) return Task.FromResult(0);
        var list = ids.ToList();
        return db.Set<Delivery>().Where(d => list.Contains(d.Id) && d.State == DeliveryState.Pending)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.State, DeliveryState.Skipped).SetProperty(d => d.Error, reason), cancellationToken);
    }

    /// <summary>
    /// Records one window's outcomes in one transaction, each only on rows this run still holds (Sending with its
    /// token). Never cancelled: once the server has a message, recording that must happen.
    /// </summary>
    public Task RecordAsync(Guid token, WindowOutcomes outcomes)
    {
        // The usual window (every copy accepted) is one statement: no transaction to open around it.
        if (outcomes.Final.Count == 0 && outcomes.Released.Count == 0) return RecordSentAsync(token, outcomes.Sent);
        return db.InTransactionAsync(async _ => { await RecordAllAsync(token, outcomes); return 0; }, CancellationToken.None);
    }

    private Task RecordSentAsync(Guid token, IReadOnlyList<long> sent)
    {
        if (sent.Count == 0) return Task.CompletedTask;
        return db.Database.ExecuteSqlRawAsync(SentSql.For(sent.Count), [clock.GetUtcNow().UtcDateTime, token, .. sent.Cast<object>()], CancellationToken.None);
    }

    private async Task RecordAllAsync(Guid token, WindowOutcomes outcomes)
    {
        await RecordSentAsync(token, outcomes.Sent);
        foreach (var group in outcomes.Final.GroupBy(o => (o.State, o.SmtpStatus, Reason: ErrorText.Truncate(o.Reason))))
        {
            var ids = group.Select(o => o.Id).ToList();
            var (state, status, reason) = group.Key;
            await Held(token, ids).ExecuteUpdateAsync(s => s.SetProperty(d => d.State, state).SetProperty(d => d.SmtpStatus, status)
                .SetProperty(d => d.Error, reason), CancellationToken.None);
        }
        foreach (var group in outcomes.Released.GroupBy(o => (o.DueAt, o.CountsAsAttempt, o.SmtpStatus, Reason: ErrorText.TruncateOrNull(o.Reason))))
        {
            var ids = group.Select(o => o.Id).ToList();
            var (dueAt, counts, status, reason) = group.Key;
            var undo = counts ? 0 : 1;
            await Held(token, ids).ExecuteUpdateAsync(s => s.SetProperty(d => d.State, DeliveryState.Pending).SetProperty(d => d.NextAttemptAt, dueAt)
                .SetProperty(d => d.Attempts, d => d.Attempts - undo)
                .SetProperty(d => d.SmtpStatus, status).SetProperty(d => d.Error, reason), CancellationToken.None);
        }
    }

    private IQueryable<Delivery> Held(Guid token, List<long> ids) =>
        db.Set<Delivery>().Where(d => d.ClaimToken == token && d.State == DeliveryState.Sending && ids.Contains(d.Id));

    /// <summary>
    /// Stops an issue (Sending → Paused) with the reason staff will read, and who paused it (null: the engine, for the
    /// server's refusal). False when it was not Sending. Nothing more is claimed from then on: each running sender
    /// finishes the window it holds and stops at its next claim.
    /// </summary>
    public async Task<bool> PauseAsync(long issueId, string reason, string? pausedBy = null)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var text = ErrorText.Truncate(reason);
        return await db.Set<DigestIssue>().Where(i => i.Id == issueId && i.State == DigestIssueState.Sending)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.State, DigestIssueState.Paused).SetProperty(i => i.PausedReason, text)
                .SetProperty(i => i.PausedAt, now).SetProperty(i => i.PausedBy, pausedBy), CancellationToken.None) > 0;
    }

    /// <summary>
    /// Ends a paused issue for good (Paused → Cancelled) and marks its Pending rows Skipped, in one transaction. Refused
    /// while a row is still Sending: a window that was in flight at the pause is still being recorded (or a dead run's
    /// rows wait for the sweep), and its rows must reach their outcome first.
    /// </summary>
    public Task<CancelResult> CancelAsync(long issueId, string cancelledBy) => db.InTransactionAsync(async token =>
    {
        if (await db.Set<Delivery>().AnyAsync(d => d.IssueId == issueId && d.State == DeliveryState.Sending, token)) return CancelResult.StillSending;
        var now = clock.GetUtcNow().UtcDateTime;
        var cancelled = await db.Set<DigestIssue>().Where(i => i.Id == issueId && i.State == DigestIssueState.Paused)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.State, DigestIssueState.Cancelled).SetProperty(i => i.FinishedAt, now)
                .SetProperty(i => i.CancelledBy, cancelledBy), token);
        if (cancelled == 0) return CancelResult.NotPaused;
        var skipped = await db.Set<Delivery>().Where(d => d.IssueId == issueId && d.State == DeliveryState.Pending)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.State, DeliveryState.Skipped).SetProperty(d => d.Error, CancelledReason), token);
        return new CancelResult(true, skipped, null);
    }, CancellationToken.None);

    /// <summary>Rows left in Sending past the lease by a run that stopped: the outcome is unknown, so they are never resent.</summary>
    public Task<int> MarkAbandonedAsUnknownAsync(long issueId, TimeSpan lease, CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow().UtcDateTime - lease;
        // By issue, so the (IssueId, State) index finds the few Sending rows instead of a scan holding the write lock.
        return AbandonAsync(db.Set<Delivery>().Where(d => d.IssueId == issueId && d.State == DeliveryState.Sending && d.ClaimedAt < cutoff), cancellationToken);
    }

    /// <summary>
    /// The runs of processes that are gone elsewhere (<see cref="Workers.WorkerRegistry.FindSilentAsync"/>): with
    /// no journal to read here, each of their rows still Sending may be on the wire, so it becomes Unknown (at most
    /// connections × window per process), and the range is freed at once for a live worker. A journal read later where
    /// the run died still corrects these rows (<see cref="SettleDeadRunAsync"/>). Returns the rows made Unknown, by issue.
    /// </summary>
    public async Task<Dictionary<long, int>> SettleRunsOfDeadWorkersAsync(IReadOnlyCollection<Guid> workers, CancellationToken cancellationToken)
    {
        var unknown = new Dictionary<long, int>();
        if (workers.Count == 0) return unknown;
        var gone = workers.ToList();
        var runs = await db.Set<DigestBatchLease>().AsNoTracking().Where(l => l.WorkerId != null && gone.Contains(l.WorkerId.Value))
            .Select(l => new { l.IssueId, l.FromId, l.Token }).ToListAsync(cancellationToken);
        foreach (var run in runs)
        {
            var count = await db.InTransactionAsync(async token =>
            {
                var rows = await AbandonAsync(db.Set<Delivery>().Where(d => d.ClaimToken == run.Token && d.State == DeliveryState.Sending), token);
                // Only while the dead run still holds it: a live run that took the range over since keeps it.
                await db.Set<DigestBatchLease>().Where(l => l.IssueId == run.IssueId && l.FromId == run.FromId && l.Token == run.Token).ExecuteDeleteAsync(token);
                return rows;
            }, cancellationToken);
            unknown[run.IssueId] = unknown.GetValueOrDefault(run.IssueId) + count;
        }
        return unknown;
    }

    /// <summary>
    /// Settles the rows a dead run left, as its journal tells (<see cref="SendJournal"/>), in one transaction: only rows
    /// the dead run still holds (Sending with its token, or made Unknown by the sweep since and untouched after). Copies
    /// the server accepted become Sent, copies that never left or did not reach the reader go back to Pending (a copy
    /// that never left gives its attempt back), copies caught on the wire become Unknown. A journal from before a reboot
    /// may have lost its last lines: then only the accepted and the not delivered are settled, and the rest are left to
    /// the sweep (Unknown after the lease), as without a journal. Then the run's range is let go.
    /// </summary>
    internal Task<SettledRun> SettleDeadRunAsync(SendJournal.Account run, CancellationToken cancellationToken) => db.InTransactionAsync(async token =>
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var sent = await HeldByDead(run, run.Accepted).ExecuteUpdateAsync(s => s.SetProperty(d => d.State, DeliveryState.Sent).SetProperty(d => d.SentAt, now)
            .SetProperty(d => d.SmtpStatus, 250).SetProperty(d => d.Error, (string?)null), token);
        var pending = await HeldByDead(run, run.NotDelivered).ExecuteUpdateAsync(s => s.SetProperty(d => d.State, DeliveryState.Pending)
            .SetProperty(d => d.NextAttemptAt, (DateTime?)null).SetProperty(d => d.Error, (string?)null), token);
        if (!run.Complete) return await LetGoAsync(new SettledRun(sent, pending, 0));
        pending += await HeldByDead(run, run.NeverStarted).ExecuteUpdateAsync(s => s.SetProperty(d => d.State, DeliveryState.Pending)
            .SetProperty(d => d.NextAttemptAt, (DateTime?)null).SetProperty(d => d.Error, (string?)null).SetProperty(d => d.Attempts, d => d.Attempts - 1), token);
        var uncertain = run.Uncertain;
        await AbandonAsync(db.Set<Delivery>().Where(d => d.ClaimToken == run.Token && d.State == DeliveryState.Sending && uncertain.Contains(d.Id)), token);
        var unknown = await db.Set<Delivery>().CountAsync(d => d.ClaimToken == run.Token && d.State == DeliveryState.Unknown && uncertain.Contains(d.Id), token);
        return await LetGoAsync(new SettledRun(sent, pending, unknown));

        async Task<SettledRun> LetGoAsync(SettledRun settled)
        {
            // Rows given back to Pending must go out even when the issue was closed meanwhile (the sweep had made them
            // Unknown and every other row was final): a Sent issue is sending again, as after "send again".
            if (settled.Pending > 0) await SettleStrandedPendingAsync(run.IssueId, token);
            await db.Set<DigestBatchLease>().Where(l => l.IssueId == run.IssueId && l.FromId == run.FromId && l.Token == run.Token).ExecuteDeleteAsync(token);
            return settled;
        }
    }, cancellationToken);

    /// <summary>
    /// Pending rows in an issue that no longer sends, of one issue or (null) of all: a Sent issue sends again, as after
    /// "send again", and a cancelled one skips them, as its Pending rows were at the cancel. Rows come back to Pending
    /// after their issue closed when a dead run's journal is read late (<see cref="SettleDeadRunAsync"/>), or commit in
    /// the moment between an issue's last check and its close; the sweep settles those. Returns the issues reopened.
    /// </summary>
    public async Task<int> SettleStrandedPendingAsync(long? issueId, CancellationToken cancellationToken)
    {
        // Issues first, each probed on the (IssueId, State) index: the sweep runs every minute, and a condition on the
        // deliveries alone would read the whole ledger.
        IQueryable<DigestIssue> WithPending(DigestIssueState state) => db.Set<DigestIssue>()
            .Where(i => (issueId == null || i.Id == issueId) && i.State == state && db.Set<Delivery>().Any(d => d.IssueId == i.Id && d.State == DeliveryState.Pending));
        var reopened = await WithPending(DigestIssueState.Sent)
            .ExecuteUpdateAsync(s => s.SetProperty(i => i.State, DigestIssueState.Sending).SetProperty(i => i.FinishedAt, (DateTime?)null), cancellationToken);
        var cancelled = await WithPending(DigestIssueState.Cancelled).Select(i => i.Id).ToListAsync(cancellationToken);
        if (cancelled.Count > 0)
            await db.Set<Delivery>().Where(d => cancelled.Contains(d.IssueId) && d.State == DeliveryState.Pending)
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.State, DeliveryState.Skipped).SetProperty(d => d.Error, CancelledReason), cancellationToken);
        return reopened;
    }

    private IQueryable<Delivery> HeldByDead(SendJournal.Account run, List<long> ids) =>
        db.Set<Delivery>().Where(d => d.ClaimToken == run.Token && (d.State == DeliveryState.Sending || d.State == DeliveryState.Unknown) && ids.Contains(d.Id));

    private const string CancelledReason = "Not sent: the issue was cancelled.";

    private const string AbandonedReason = "The worker stopped while sending; the server may or may not have accepted it.";

    /// <summary>Rows a dead run had on the wire: Unknown, with the one reason staff read for it, wherever the death was found.</summary>
    private static Task<int> AbandonAsync(IQueryable<Delivery> rows, CancellationToken cancellationToken) =>
        rows.ExecuteUpdateAsync(s => s.SetProperty(d => d.State, DeliveryState.Unknown).SetProperty(d => d.Error, AbandonedReason), cancellationToken);

    /// <summary>How many rows of an issue are in each state: one grouped read of the (IssueId, State) index.</summary>
    public async Task<DeliveryCounts> CountAsync(long issueId, CancellationToken cancellationToken)
    {
        var rows = await db.Set<Delivery>().Where(d => d.IssueId == issueId).GroupBy(d => d.State)
            .Select(g => new { State = g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        int Of(DeliveryState state) => rows.FirstOrDefault(r => r.State == state)?.Count ?? 0;
        return new DeliveryCounts(Of(DeliveryState.Pending), Of(DeliveryState.Sending), Of(DeliveryState.Sent), Of(DeliveryState.Failed), Of(DeliveryState.Unknown), Of(DeliveryState.Skipped),
            Of(DeliveryState.Bounced), Of(DeliveryState.Complained));
    }
}

/// <summary>What cancelling an issue did: cancelled with so many readers skipped, or refused and why.</summary>
public sealed record CancelResult(bool Cancelled, int Skipped, string? Refusal)
{
    public static readonly CancelResult NotPaused = new(false, 0, "Only a paused issue can be cancelled: pause it first.");

    public static readonly CancelResult StillSending = new(false, 0,
        "Copies handed over before the pause are still being recorded (or wait for the sweep after a crash); try again in a moment.");
}

/// <summary>What settling a dead run's journal did: rows made Sent, put back to Pending, and left Unknown.</summary>
internal sealed record SettledRun(int Sent, int Pending, int Unknown);

/// <summary>What one claimed window came to: accepted, ended otherwise, or given back to Pending.</summary>
public sealed class WindowOutcomes
{
    public List<long> Sent { get; } = [];
    public List<(long Id, DeliveryState State, int? SmtpStatus, string Reason)> Final { get; } = [];
    public List<(long Id, DateTime? DueAt, bool CountsAsAttempt, int? SmtpStatus, string? Reason)> Released { get; } = [];

    public bool IsEmpty => Sent.Count == 0 && Final.Count == 0 && Released.Count == 0;

    /// <summary>Whether the copy's outcome is already noted (a window holds a few copies: a scan is enough).</summary>
    public bool Has(long id) => Sent.Contains(id) || Final.Exists(f => f.Id == id) || Released.Exists(r => r.Id == id);

    /// <summary>Adds this window to the send metrics: sent, failed, unknown, and deferred (put off with an attempt counted).</summary>
    public void CountInto(Observability.NewsletterMetrics metrics)
    {
        if (Sent.Count > 0) metrics.DigestSent(Sent.Count);
        var failed = Final.Count(f => f.State == DeliveryState.Failed);
        if (failed > 0) metrics.DigestFailed(failed);
        var unknown = Final.Count(f => f.State == DeliveryState.Unknown);
        if (unknown > 0) metrics.DigestUnknown(unknown);
        var deferred = Released.Count(r => r.CountsAsAttempt);
        if (deferred > 0) metrics.DigestDeferred(deferred);
    }
}

/// <summary>An issue's progress: rows per delivery state.</summary>
/// <remarks>
/// <see cref="Sent"/> counts only copies still in that state; a copy that later bounced or drew a complaint moved on to
/// <see cref="Bounced"/> or <see cref="Complained"/>. <see cref="Accepted"/> is every copy the server took.
/// </remarks>
public sealed record DeliveryCounts(int Pending, int Sending, int Sent, int Failed, int Unknown, int Skipped, int Bounced = 0, int Complained = 0)
{
    public int Total => Pending + Sending + Sent + Failed + Unknown + Skipped + Bounced + Complained;
    public int Accepted => Sent + Bounced + Complained;
    public bool Done => Pending == 0 && Sending == 0;
}
