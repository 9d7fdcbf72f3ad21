using Microsoft.EntityFrameworkCore;
using Newsletter.Data;
using Newsletter.Email;

namespace Newsletter.Subscribers;

/// <summary>Addresses that must never be mailed: erased, hard-bounced, complained. Checked before every send.</summary>
public sealed class SuppressionList(NewsletterDb db, TimeProvider clock)
{
    public Task<bool> IsSuppressedAsync(EmailAddress address, CancellationToken cancellationToken)
    {
        var hash = address.SuppressionHash;
        return db.Set<SuppressedAddress>().AnyAsync(s => s.AddressHash == hash, cancellationToken);
    }

    /// <summary>Which of these address keys (<see cref="EmailAddress.Key"/>) are suppressed: one indexed lookup per 500.</summary>
    public async Task<HashSet<string>> SuppressedKeysAsync(IEnumerable<string> emailKeys, CancellationToken cancellationToken)
    {
        var byHash = emailKeys.Distinct().ToDictionary(EmailAddress.HashForSuppression);
        var found = new HashSet<string>();
        foreach (var chunk in byHash.Keys.Chunk(500))
        {
            var hashes = chunk.ToList();
            var hits = await db.Set<SuppressedAddress>().AsNoTracking().Where(s => hashes.Contains(s.AddressHash)).Select(s => s.AddressHash).ToListAsync(cancellationToken);
            found.UnionWith(hits.Select(h => byHash[h]));
        }
        return found;
    }

    /// <summary>Adds the address; adding it twice keeps the first reason.</summary>
    public async Task AddAsync(EmailAddress address, SuppressionReason reason, string? detail, CancellationToken cancellationToken)
    {
        var hash = address.SuppressionHash;
        if (await db.Set<SuppressedAddress>().AnyAsync(s => s.AddressHash == hash, cancellationToken)) return;
        db.Add(new SuppressedAddress { AddressHash = hash, Reason = reason, Detail = detail, CreatedAt = clock.GetUtcNow().UtcDateTime });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // Another worker suppressed the same address at the same moment: the unique index kept one row.
            db.ChangeTracker.Clear();
        }
    }

    /// <summary>Staff lift a suppression (e.g. a bounce that was the server's mistake).</summary>
    public Task<int> RemoveAsync(EmailAddress address, CancellationToken cancellationToken)
    {
        var hash = address.SuppressionHash;
        return db.Set<SuppressedAddress>().Where(s => s.AddressHash == hash).ExecuteDeleteAsync(cancellationToken);
    }
}
