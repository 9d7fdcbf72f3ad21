using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Newsletter.Data;

namespace Newsletter.Migrations.Postgres;

/// <summary>Lets <c>dotnet ef</c> build the model for this provider without starting the host (no server needed).</summary>
public sealed class DesignTimeFactory : IDesignTimeDbContextFactory<NewsletterDb>
{
    public NewsletterDb CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<NewsletterDb>();
        DataServiceCollectionExtensions.Configure(options,
            new DatabaseOptions { Provider = DatabaseProvider.Postgres, ConnectionString = ConnectionString },
            new DataDirectory(Path.GetTempPath()));
        return new NewsletterDb(options.Options);
    }

    public const string ConnectionString = "Host=localhost;Database=newsletter;Username=newsletter";
}
