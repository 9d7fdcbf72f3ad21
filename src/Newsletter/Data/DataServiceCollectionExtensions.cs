using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Newsletter.Data;

public static class DataServiceCollectionExtensions
{
    public const string SqliteMigrationsAssembly = "Newsletter.Migrations.Sqlite";
    public const string SqlServerMigrationsAssembly = "Newsletter.Migrations.SqlServer";
    public const string PostgresMigrationsAssembly = "Newsletter.Migrations.Postgres";

    /// <summary>Registers the data directory, <see cref="NewsletterDb"/> on the configured provider, and start-up migration.</summary>
    public static IServiceCollection AddNewsletterData(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(new DataDirectory(configuration["DataDirectory"] ?? "data"));
        services.AddOptions<DatabaseOptions>().BindConfiguration(DatabaseOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddDbContext<NewsletterDb>((sp, options) =>
        {
            var database = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            Configure(options, database, sp.GetRequiredService<DataDirectory>());
        });
        services.AddSingleton<DatabaseMigrator>();
        return services;
    }

    /// <summary>The connection string in force: the configured one, or the embedded SQLite file.</summary>
    public static string ResolveConnectionString(DatabaseOptions database, DataDirectory dataDirectory) =>
        !string.IsNullOrWhiteSpace(database.ConnectionString)
            ? database.ConnectionString
            : database.Provider == DatabaseProvider.Sqlite
                ? $"Data Source={dataDirectory.Resolve("newsletter.db")}"
                : throw new InvalidOperationException($"Database:ConnectionString is required when Database:Provider is {database.Provider}.");

    public static void Configure(DbContextOptionsBuilder options, DatabaseOptions database, DataDirectory dataDirectory)
    {
        var connectionString = ResolveConnectionString(database, dataDirectory);
        options.AddInterceptors(new Audit.AppendOnlyAuditInterceptor());
        switch (database.Provider)
        {
            case DatabaseProvider.Sqlite:
                options.UseSqlite(connectionString, sqlite =>
                {
                    sqlite.MigrationsAssembly(SqliteMigrationsAssembly);
                    sqlite.CommandTimeout(database.CommandTimeoutSeconds);
                });
                options.AddInterceptors(new SqlitePragmas(database.CommandTimeoutSeconds));
                break;
            case DatabaseProvider.SqlServer:
                options.UseSqlServer(connectionString, sql =>
                {
                    sql.MigrationsAssembly(SqlServerMigrationsAssembly);
                    sql.CommandTimeout(database.CommandTimeoutSeconds);
                    sql.EnableRetryOnFailure();
                });
                break;
            case DatabaseProvider.Postgres:
                // No retrying execution strategy: a commit reported as failed may have succeeded, and our
                // transactions are retried where that is safe (conflicts), by our own code.
                options.UseNpgsql(connectionString, npgsql =>
                {
                    npgsql.MigrationsAssembly(PostgresMigrationsAssembly);
                    npgsql.CommandTimeout(database.CommandTimeoutSeconds);
                });
                break;
            default:
                throw new InvalidOperationException($"Database:Provider '{database.Provider}' is not supported.");
        }
    }
}
