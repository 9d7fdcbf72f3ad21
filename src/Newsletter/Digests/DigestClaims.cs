using Microsoft.EntityFrameworkCore;
using Newsletter.Data;
using Newsletter.Workers;

namespace Newsletter.Digests;

/// <summary>The digests' claims: ranges a worker's runs hold (a run lets its range go when it ends, however it ends).</summary>
internal sealed class DigestClaims(NewsletterDb db) : IWorkerClaims
{
    public Task<bool> AnyHeldByAsync(Guid worker, CancellationToken cancellationToken) =>
        db.Set<DigestBatchLease>().AnyAsync(l => l.WorkerId == worker, cancellationToken);
}
