using Microsoft.EntityFrameworkCore;
using Newsletter.Email;
using Newsletter.Data;

namespace Newsletter.Subscribers;

/// <summary>Keeps, checks and lifts <see cref="UnsubscribeTombstone"/>s, hashed with the suppression list's key.</summary>
public sealed class UnsubscribeTombstones(NewsletterDb db, SuppressionList suppression, TimeProvider clock)
{
    /// <summary>Stages a tombstone for the address in the caller's unit of work (the caller saves); keeps the first date.</summary>
    public async Task StageAsync(string emailKey, CancellationToken cancellationToken)
    {
        var hash = suppression.HashOf(emailKey);
        if (db.ChangeTracker.Entries<UnsubscribeTombstone>().Any(e => e.Entity.AddressHash == hash)) return;
        if (!await db.Set<UnsubscribeTombstone>().AnyAsync(t => t.AddressHash == hash, cancellationToken))
            db.Add(new UnsubscribeTombstone { AddressHash = hash, UnsubscribedAt = clock.GetUtcNow().UtcDateTime });
    }

    /// <summary>The owner opted in again: the address may be imported once more.</summary>
    public Task LiftAsync(string emailKey, CancellationToken cancellationToken)
    {
        var hash = suppression.HashOf(emailKey);
        return db.Set<UnsubscribeTombstone>().Where(t => t.AddressHash == hash).ExecuteDeleteAsync(cancellationToken);
    }

    /// <summary>Which of these address keys unsubscribed at some point and never opted in again.</summary>
    public async Task<HashSet<string>> TombstonedKeysAsync(IEnumerable<string> emailKeys, CancellationToken cancellationToken)
    {
        var byHash = emailKeys.Distinct().ToDictionary(suppression.HashOf, StringComparer.Ordinal);
        var found = new HashSet<string>(StringComparer.Ordinal);
        foreach (var chunk in byHash.Keys.Chunk(SuppressionList.HashesPerQuery))
        {
            var hashes = chunk.ToList();
            found.UnionWith((await db.Set<UnsubscribeTombstone>().AsNoTracking().Where(t => EF.Parameter(hashes).Contains(t.AddressHash)).Select(t => t.AddressHash)
                .ToListAsync(cancellationToken)).Select(h => byHash[h]));
        }
        return found;
    }
}
