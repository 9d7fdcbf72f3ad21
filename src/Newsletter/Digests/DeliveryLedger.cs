using Microsoft.EntityFrameworkCore;
using Newsletter.Data;

namespace Newsletter.Digests;

/// <summary>
/// Every state change of the delivery ledger, each one set-based and conditional on the current state (the state is
/// the lock): claim a range, record accepted messages in bulk, refusals, unknowns, and give back what was not tried.
/// </summary>
public sealed class DeliveryLedger(NewsletterDb db, TimeProvider clock)
{
    private const int MaxError = 1000;

    /// <summary>Claims the due Pending rows of a range for one batch run (Pending → Sending). Returns how many.</summary>
    public Task<int> ClaimAsync(long issueId, long fromId, long toId, Guid token, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return db.Set<Delivery>()
            .Where(d => d.IssueId == issueId && d.Id >= fromId && d.Id <= toId && d.State == DeliveryState.Pending && (d.NextAttemptAt == null || d.NextAttemptAt <= now))
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.State, DeliveryState.Sending)
                .SetProperty(d => d.ClaimToken, token)
                .SetProperty(d => d.ClaimedAt, now)
                .SetProperty(d => d.Attempts, d => d.Attempts + 1), cancellationToken);
    }

    /// <summary>Records messages the server accepted (Sending → Sent), in one statement.</summary>
    public Task<int> MarkSentAsync(Guid token, IReadOnlyCollection<long> ids)
    {
        if (ids.Count == 0) return Task.FromResult(0);
        var now = clock.GetUtcNow().UtcDateTime;
        var list = ids.ToList();
        // CancellationToken.None: once the server has the message, recording that must not be cancelled.
        return db.Set<Delivery>().Where(d => d.ClaimToken == token && d.State == DeliveryState.Sending && list.Contains(d.Id))
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.State, DeliveryState.Sent).SetProperty(d => d.SentAt, now)
                .SetProperty(d => d.SmtpStatus, 250).SetProperty(d => d.Error, (string?)null), CancellationToken.None);
    }

    /// <summary>Ends rows in a final state other than Sent (Failed, Unknown, Skipped), one statement per distinct outcome.</summary>
    public async Task FinishAsync(Guid token, IEnumerable<(long Id, DeliveryState State, int? SmtpStatus, string Reason)> outcomes)
    {
        foreach (var group in outcomes.GroupBy(o => (o.State, o.SmtpStatus, Reason: Truncate(o.Reason))))
        {
            var ids = group.Select(o => o.Id).ToList();
            var (state, status, reason) = group.Key;
            await db.Set<Delivery>().Where(d => d.ClaimToken == token && d.State == DeliveryState.Sending && ids.Contains(d.Id))
                .ExecuteUpdateAsync(s => s.SetProperty(d => d.State, state).SetProperty(d => d.SmtpStatus, status)
                    .SetProperty(d => d.Error, reason), CancellationToken.None);
        }
    }

    /// <summary>Puts rows back to Pending, due at <paramref name="dueAt"/> (null: now). For 4xx retries and rows never tried.</summary>
    public Task<int> ReleaseAsync(Guid token, IReadOnlyCollection<long> ids, DateTime? dueAt, int? smtpStatus, string? reason, bool countAttempt)
    {
        if (ids.Count == 0) return Task.FromResult(0);
        var list = ids.ToList();
        var undo = countAttempt ? 0 : 1;
        return db.Set<Delivery>().Where(d => d.ClaimToken == token && d.State == DeliveryState.Sending && list.Contains(d.Id))
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.State, DeliveryState.Pending).SetProperty(d => d.NextAttemptAt, dueAt)
                .SetProperty(d => d.Attempts, d => d.Attempts - undo)
                .SetProperty(d => d.SmtpStatus, smtpStatus).SetProperty(d => d.Error, reason == null ? null : Truncate(reason)), CancellationToken.None);
    }

    /// <summary>Rows left in Sending past the lease by a worker that stopped: the outcome is unknown, so they are never resent.</summary>
    public Task<int> MarkAbandonedAsUnknownAsync(TimeSpan lease, CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow().UtcDateTime - lease;
        return db.Set<Delivery>().Where(d => d.State == DeliveryState.Sending && d.ClaimedAt < cutoff)
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.State, DeliveryState.Unknown)
                .SetProperty(d => d.Error, "The worker stopped while sending; the server may or may not have accepted it."), cancellationToken);
    }

    /// <summary>How many rows of an issue are in each state: one grouped read of the (IssueId, State) index.</summary>
    public async Task<DeliveryCounts> CountAsync(long issueId, CancellationToken cancellationToken)
    {
        var rows = await db.Set<Delivery>().Where(d => d.IssueId == issueId).GroupBy(d => d.State)
            .Select(g => new { State = g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        int Of(DeliveryState state) => rows.FirstOrDefault(r => r.State == state)?.Count ?? 0;
        return new DeliveryCounts(Of(DeliveryState.Pending), Of(DeliveryState.Sending), Of(DeliveryState.Sent), Of(DeliveryState.Failed), Of(DeliveryState.Unknown), Of(DeliveryState.Skipped));
    }

    private static string Truncate(string value) => value.Length <= MaxError ? value : value[..MaxError];
}

/// <summary>An issue's progress: rows per delivery state.</summary>
public sealed record DeliveryCounts(int Pending, int Sending, int Sent, int Failed, int Unknown, int Skipped)
{
    public int Total => Pending + Sending + Sent + Failed + Unknown + Skipped;
    public bool Done => Pending == 0 && Sending == 0;
}
