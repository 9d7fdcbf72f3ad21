using Microsoft.EntityFrameworkCore;
using Newsletter.Data;

namespace Newsletter.Bounces;

/// <summary>
/// Who reads a mailbox, across worker processes: one conditional update takes or renews the lease (free, expired, or
/// already ours); the first holder ever inserts the row, and the primary key settles a race for it.
/// </summary>
public sealed class MailboxLeases(NewsletterDb db, TimeProvider clock)
{
    public async Task<bool> TryAcquireAsync(string name, string holder, TimeSpan duration, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var until = now + duration;
        var taken = await db.Set<MailboxLease>().Where(l => l.Name == name && (l.Holder == holder || l.ExpiresAt < now))
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.Holder, holder).SetProperty(l => l.ExpiresAt, until), cancellationToken);
        if (taken == 1) return true;
        if (await db.Set<MailboxLease>().AnyAsync(l => l.Name == name, cancellationToken)) return false;
        db.Add(new MailboxLease { Name = name, Holder = holder, ExpiresAt = until });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException e) when (DatabaseErrors.IsUniqueViolation(e))
        {
            // Another worker inserted it first: it holds the lease. Any other failure goes up, to be logged as one.
            db.ChangeTracker.Clear();
            return false;
        }
    }

    /// <summary>Lets the lease go at once (a clean shutdown), so another worker need not wait for it to expire.</summary>
    public Task ReleaseAsync(string name, string holder) =>
        db.Set<MailboxLease>().Where(l => l.Name == name && l.Holder == holder)
            .ExecuteUpdateAsync(s => s.SetProperty(l => l.ExpiresAt, DateTime.UnixEpoch), CancellationToken.None);

    /// <summary>Notes a finished look at the mailbox, or the error that stopped it.</summary>
    public Task RecordAsync(string name, string holder, string? error, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var lease = db.Set<MailboxLease>().Where(l => l.Name == name && l.Holder == holder);
        if (error is null)
            return lease.ExecuteUpdateAsync(s => s.SetProperty(l => l.LastScanAt, now).SetProperty(l => l.LastError, (string?)null), cancellationToken);
        var message = Jobs.ErrorText.Truncate(error);
        return lease.ExecuteUpdateAsync(s => s.SetProperty(l => l.LastError, message), cancellationToken);
    }
}
