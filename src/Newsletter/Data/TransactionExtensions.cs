using Microsoft.EntityFrameworkCore;

namespace Newsletter.Data;

public static class TransactionExtensions
{
    /// <summary>
    /// Runs <paramref name="work"/> in one transaction under the provider's execution strategy (SQL Server retries
    /// need that). On SQLite the transaction starts as a write (BEGIN IMMEDIATE), so it never fails on upgrading a
    /// read lock. The work may run again after a transient failure: it must only touch the database.
    /// </summary>
    public static Task<T> InTransactionAsync<T>(this NewsletterDb db, Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        var strategy = db.Database.CreateExecutionStrategy();
        return strategy.ExecuteAsync(async token =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(token);
            var result = await work(token);
            await transaction.CommitAsync(token);
            return result;
        }, cancellationToken);
    }
}
