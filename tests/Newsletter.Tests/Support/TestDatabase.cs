using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Newsletter.Data;

namespace Newsletter.Tests.Support;

/// <summary>
/// Which database this test run uses: <c>NEWSLETTER_TEST_DATABASE=Postgres</c> runs every host fixture
/// (<see cref="NewsletterApp"/> and its subclasses) on a fresh PostgreSQL database per test class, with Hangfire on
/// PostgreSQL too; unset or <c>Sqlite</c> runs them on a temporary SQLite file with in-memory jobs.
/// <c>scripts/test.sh</c> runs the whole suite once each way.
/// </summary>
public static class TestDatabase
{
    public const string ProviderVariable = "NEWSLETTER_TEST_DATABASE";

    /// <summary>The provider of this run.</summary>
    public static DatabaseProvider Provider { get; } = Parse(Environment.GetEnvironmentVariable(ProviderVariable));

    public static bool IsPostgres => Provider == DatabaseProvider.Postgres;

    /// <summary>A fixed signing key for server databases (they refuse to generate one: every worker needs the same).</summary>
    public const string SigningKey = "dGVzdC1zaWduaW5nLWtleS0wMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZg==";

    /// <summary>
    /// A context on the database a host used, outside any host, as an operator would read it: <paramref name="postgres"/>
    /// when given, otherwise the SQLite file in <paramref name="dataDirectory"/> (the caller disposes it). A test can add
    /// <paramref name="interceptors"/> to step in at a chosen moment (another writer's insert just before this one's).
    /// </summary>
    public static NewsletterDb CreateContext(PostgresDatabase? postgres, string dataDirectory, params IInterceptor[] interceptors)
    {
        if (postgres is not null) return postgres.CreateContext(interceptors);
        var options = new DbContextOptionsBuilder<NewsletterDb>();
        DataServiceCollectionExtensions.Configure(options, new DatabaseOptions(), new DataDirectory(dataDirectory));
        options.AddInterceptors(interceptors);
        return new NewsletterDb(options.Options);
    }

    private static DatabaseProvider Parse(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "sqlite" => DatabaseProvider.Sqlite,
        "postgres" or "postgresql" => DatabaseProvider.Postgres,
        _ => throw new InvalidOperationException($"{ProviderVariable} must be Sqlite or Postgres, not '{value}'."),
    };
}
