using Microsoft.Data.SqlClient;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Newsletter.Data;

/// <summary>What a provider's exception means, in one place for every provider.</summary>
public static class DatabaseErrors
{
    /// <summary>
    /// True when <paramref name="error"/> (or an exception inside it, e.g. EF's DbUpdateException) is a unique index
    /// refusing a second row: PostgreSQL 23505, SQLite constraint 19 (unique 2067), SQL Server 2601/2627.
    /// </summary>
    public static bool IsUniqueViolation(Exception? error)
    {
        for (var e = error; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException { SqlState: PostgresErrorCodes.UniqueViolation }:
                case SqliteException { SqliteErrorCode: 19, SqliteExtendedErrorCode: 2067 or 1555 }:
                case SqlException { Number: 2601 or 2627 }:
                    return true;
            }
        }
        return false;
    }
}
