using Microsoft.EntityFrameworkCore;
using Newsletter.Data;

namespace Newsletter.Tests.Data;

/// <summary>Each provider's migrations match the model: a model change without a migration fails here.</summary>
public sealed class ModelTests
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.SqlServer)]
    [InlineData(DatabaseProvider.Postgres)]
    public void The_migrations_of_each_provider_have_no_pending_model_changes(DatabaseProvider provider)
    {
        var options = new DbContextOptionsBuilder<NewsletterDb>();
        DataServiceCollectionExtensions.Configure(options, new DatabaseOptions
        {
            Provider = provider,
            // No server is contacted: the check compares the model with the migrations' snapshot.
            ConnectionString = provider switch
            {
                DatabaseProvider.Sqlite => "Data Source=:memory:",
                DatabaseProvider.Postgres => "Host=localhost;Database=unused",
                _ => "Server=localhost;Database=Unused;TrustServerCertificate=True",
            },
        }, new DataDirectory(Path.GetTempPath()));
        using var db = new NewsletterDb(options.Options);
        Assert.True(db.Database.GetMigrations().Any(), "There are no migrations for " + provider);
        Assert.False(db.Database.HasPendingModelChanges(), $"The {provider} model has changes without a migration: run scripts/add-migration.sh NAME");
    }

    [Fact]
    public void Every_stored_date_and_time_goes_through_the_one_UTC_converter()
    {
        var options = new DbContextOptionsBuilder<NewsletterDb>();
        DataServiceCollectionExtensions.Configure(options, new DatabaseOptions { Provider = DatabaseProvider.Postgres, ConnectionString = "Host=localhost;Database=unused" },
            new DataDirectory(Path.GetTempPath()));
        using var db = new NewsletterDb(options.Options);
        var times = db.Model.GetEntityTypes().SelectMany(e => e.GetProperties())
            .Where(p => p.ClrType == typeof(DateTime) || p.ClrType == typeof(DateTime?)).ToList();
        Assert.Contains(times, p => p.ClrType == typeof(DateTime?));
        Assert.All(times, p => Assert.IsType<UtcDateTimeConverter>(p.GetValueConverter()));
        // Npgsql refuses a DateTime that is not UTC; the converter makes every kind UTC without moving a UTC value.
        var utc = new DateTime(2026, 3, 1, 9, 30, 0, DateTimeKind.Utc);
        Assert.Equal(DateTimeKind.Utc, UtcDateTimeConverter.ToUtc(DateTime.SpecifyKind(utc, DateTimeKind.Unspecified)).Kind);
        Assert.Equal(utc, UtcDateTimeConverter.ToUtc(utc.ToLocalTime()));
    }
}
