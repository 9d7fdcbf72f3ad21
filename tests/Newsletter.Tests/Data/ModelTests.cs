using Microsoft.EntityFrameworkCore;
using Newsletter.Data;

namespace Newsletter.Tests.Data;

/// <summary>Each provider's migrations match the model: a model change without a migration fails here.</summary>
public sealed class ModelTests
{
    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.SqlServer)]
    public void The_migrations_of_each_provider_have_no_pending_model_changes(DatabaseProvider provider)
    {
        var options = new DbContextOptionsBuilder<NewsletterDb>();
        DataServiceCollectionExtensions.Configure(options, new DatabaseOptions
        {
            Provider = provider,
            // No server is contacted: the check compares the model with the migrations' snapshot.
            ConnectionString = provider == DatabaseProvider.Sqlite ? "Data Source=:memory:" : "Server=localhost;Database=Unused;TrustServerCertificate=True",
        }, new DataDirectory(Path.GetTempPath()));
        using var db = new NewsletterDb(options.Options);
        Assert.True(db.Database.GetMigrations().Any(), "There are no migrations for " + provider);
        Assert.False(db.Database.HasPendingModelChanges(), $"The {provider} model has changes without a migration: run scripts/add-migration.sh NAME");
    }
}
