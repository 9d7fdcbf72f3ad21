using Microsoft.EntityFrameworkCore;
using Newsletter.Data;
using Newsletter.Workers;

namespace Newsletter.Email;

/// <summary>The outbox's claims: emails a worker has taken to send and not yet recorded.</summary>
internal sealed class OutboxClaims(NewsletterDb db) : IWorkerClaims
{
    public Task<bool> AnyHeldByAsync(Guid worker, CancellationToken cancellationToken) =>
        db.Set<TransactionalEmail>().AnyAsync(e => e.State == TransactionalEmailState.Sending && e.ClaimedBy == worker, cancellationToken);
}
