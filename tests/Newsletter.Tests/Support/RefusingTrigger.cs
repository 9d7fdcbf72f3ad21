using Microsoft.EntityFrameworkCore;
using Newsletter.Data;

namespace Newsletter.Tests.Support;

/// <summary>
/// Makes the test's database itself refuse writes to one table, as a full disk, a read-only file or a failing server
/// would: a trigger that aborts every INSERT (or UPDATE) there, on SQLite and on PostgreSQL alike, until disposed.
/// </summary>
public static class RefusingTrigger
{
    public const string Message = "refused by the test, as a full disk would";

    /// <param name="app">The host whose database it is.</param>
    /// <param name="table">The table, as the model names it ("SuppressedAddresses").</param>
    /// <param name="operation">INSERT or UPDATE.</param>
    /// <param name="when">Refuse only the rows this condition holds for (SQL over OLD and NEW, the same on both databases).</param>
    public static async Task<IAsyncDisposable> RefuseAsync(NewsletterApp app, string table, string operation = "INSERT", string? when = null)
    {
        if (operation is not ("INSERT" or "UPDATE")) throw new ArgumentOutOfRangeException(nameof(operation), operation, "INSERT or UPDATE");
        var name = $"refuse_{operation.ToLowerInvariant()}_{table}";
        Task<int> ExecuteAsync(string sql) => app.WithDbAsync(db => db.Database.ExecuteSqlRawAsync(sql));
        if (app.Provider == DatabaseProvider.Postgres)
        {
            await ExecuteAsync($"CREATE FUNCTION \"{name}\"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{Message}'; END $$");
            await ExecuteAsync($"CREATE TRIGGER \"{name}\" BEFORE {operation} ON \"{table}\" FOR EACH ROW {(when is null ? "" : $"WHEN ({when}) ")}EXECUTE FUNCTION \"{name}\"()");
            return new Undo(() => ExecuteAsync($"DROP TRIGGER \"{name}\" ON \"{table}\"; DROP FUNCTION \"{name}\"()"));
        }
        await ExecuteAsync($"CREATE TRIGGER \"{name}\" BEFORE {operation} ON \"{table}\" {(when is null ? "" : $"WHEN {when} ")}BEGIN SELECT RAISE(ABORT, '{Message}'); END");
        return new Undo(() => ExecuteAsync($"DROP TRIGGER \"{name}\""));
    }

    private sealed class Undo(Func<Task> undo) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await undo();
    }
}
