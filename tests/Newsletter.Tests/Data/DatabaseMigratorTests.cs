using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Data;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Data;

/// <summary>
/// Start-up migration on a real database of this run's provider: an older schema (as left by the previous release) is
/// brought up to date, and an up-to-date one is left as it is (the migrator then skips EF's Migrate altogether).
/// </summary>
public sealed class DatabaseMigratorTests
{
    [Fact]
    public async Task An_older_database_gets_the_missing_migrations_and_an_up_to_date_one_is_left_alone()
    {
        var directory = Directory.CreateTempSubdirectory("newsletter-migrator-");
        await using var postgres = TestDatabase.IsPostgres ? await PostgresServer.Shared.CreateDatabaseAsync(migrated: false) : null;
        var settings = new Dictionary<string, string?> { ["DataDirectory"] = directory.FullName };
        if (postgres is not null)
        {
            settings["Database:Provider"] = "Postgres";
            settings["Database:ConnectionString"] = postgres.ConnectionString;
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        await using var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<IConfiguration>(configuration)
            .AddNewsletterData(configuration)
            .BuildServiceProvider();
        try
        {
            string[] all;
            await using (var scope = services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<NewsletterDb>();
                all = db.Database.GetMigrations().ToArray();
                Assert.True(all.Length >= 2, "This test needs at least two migrations.");
                // The previous release's schema: everything but the last migration.
                await db.GetService<IMigrator>().MigrateAsync(all[^2]);
                Assert.Equal([all[^1]], await db.Database.GetPendingMigrationsAsync());
            }

            await services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);

            await using (var scope = services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<NewsletterDb>();
                Assert.Empty(await db.Database.GetPendingMigrationsAsync());
                Assert.Equal(all, await db.Database.GetAppliedMigrationsAsync());
            }

            // A second start finds nothing to do, and the schema still works.
            await services.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
            await using (var scope = services.CreateAsyncScope())
            {
                var db = scope.ServiceProvider.GetRequiredService<NewsletterDb>();
                Assert.Equal(all, await db.Database.GetAppliedMigrationsAsync());
                Assert.Equal(0, await db.Set<Newsletter.Subscribers.Subscriber>().CountAsync());
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }
}
