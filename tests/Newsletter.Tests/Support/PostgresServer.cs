using System.Diagnostics;
using Hangfire.PostgreSql;
using Microsoft.EntityFrameworkCore;
using Newsletter.Data;
using Npgsql;

namespace Newsletter.Tests.Support;

/// <summary>
/// The PostgreSQL server of this test process, and fresh databases on it. The server is the one named by
/// <c>NEWSLETTER_TEST_POSTGRES</c> (an admin connection string; <c>scripts/test.sh</c> starts a throwaway cluster and
/// sets it), or else a throwaway cluster this process starts with <c>scripts/postgres.sh</c> and stops when it exits.
/// A machine without PostgreSQL fails here, saying what to install; nothing is skipped.
/// <para>
/// Every database is a copy of a template made once per process: our migrations applied and Hangfire's schema
/// installed, so a test class gets a ready database in a fraction of a second.
/// </para>
/// </summary>
public sealed class PostgresServer
{
    public const string ConnectionVariable = "NEWSLETTER_TEST_POSTGRES";

    private static readonly Lazy<PostgresServer> Instance = new(Locate, LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly Lazy<string> _template;

    private PostgresServer(string adminConnectionString)
    {
        AdminConnectionString = adminConnectionString;
        _template = new Lazy<string>(CreateTemplate, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The server for this process, located or started on first use.</summary>
    public static PostgresServer Shared => Instance.Value;

    /// <summary>A superuser connection to the server's <c>postgres</c> database.</summary>
    public string AdminConnectionString { get; }

    /// <summary>
    /// A new, empty-of-data database with the current schema (migrations and Hangfire's tables); with
    /// <paramref name="migrated"/> false, a blank database (for tests of the migrate verb). Dropped on dispose.
    /// </summary>
    public PostgresDatabase CreateDatabase(bool migrated = true)
    {
        var name = "nl_" + Guid.NewGuid().ToString("N");
        Execute($"CREATE DATABASE \"{name}\"" + (migrated ? $" TEMPLATE \"{_template.Value}\"" : ""));
        return new PostgresDatabase(this, name, ConnectionStringFor(name));
    }

    public Task<PostgresDatabase> CreateDatabaseAsync(bool migrated = true) => Task.Run(() => CreateDatabase(migrated));

    /// <summary>The connection string of database <paramref name="name"/> on this server, as the superuser.</summary>
    public string ConnectionStringFor(string name) =>
        new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;

    internal void Drop(string name, string connectionString)
    {
        using (var connection = new NpgsqlConnection(connectionString)) NpgsqlConnection.ClearPool(connection);
        Execute($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
    }

    private void Execute(string sql)
    {
        using var connection = new NpgsqlConnection(AdminConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }

    private string CreateTemplate()
    {
        var name = "nl_template_" + Guid.NewGuid().ToString("N");
        Execute($"CREATE DATABASE \"{name}\"");
        var connectionString = ConnectionStringFor(name);
        var options = new DbContextOptionsBuilder<NewsletterDb>();
        DataServiceCollectionExtensions.Configure(options, new DatabaseOptions { Provider = DatabaseProvider.Postgres, ConnectionString = connectionString },
            new DataDirectory(Path.GetTempPath()));
        using (var db = new NewsletterDb(options.Options)) db.Database.Migrate();
        using (var connection = new NpgsqlConnection(connectionString))
        {
            connection.Open();
            PostgreSqlObjectsInstaller.Install(connection, "hangfire");
        }
        // CREATE DATABASE ... TEMPLATE refuses a template anyone is connected to, our own idle pool included.
        using (var connection = new NpgsqlConnection(connectionString)) NpgsqlConnection.ClearPool(connection);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Execute($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"); } catch (NpgsqlException) { }
        };
        return name;
    }

    private static PostgresServer Locate()
    {
        var given = Environment.GetEnvironmentVariable(ConnectionVariable);
        if (!string.IsNullOrWhiteSpace(given)) return new PostgresServer(given);
        var repository = RepositoryRoot();
        var script = Path.Combine(repository, "scripts", "postgres.sh");
        Run(script, "install");
        var folder = Directory.CreateTempSubdirectory("newsletter-pg-");
        // The cluster runs as the postgres user when we are root: it must be able to enter the folder.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(folder.FullName, (UnixFileMode)0b111_101_101);
        var connectionString = Run(script, "start", folder.FullName, "--fast").Split('\n', StringSplitOptions.RemoveEmptyEntries).Last().Trim();
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Run(script, "stop", folder.FullName); folder.Delete(recursive: true); } catch (Exception) { }
        };
        return new PostgresServer(connectionString);
    }

    private static string Run(string script, params string[] arguments)
    {
        var start = new ProcessStartInfo("bash", [script, .. arguments]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5))) process.Kill(entireProcessTree: true);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"The PostgreSQL tests need a server: `scripts/postgres.sh {string.Join(' ', arguments)}` failed. " +
                $"{error.Result.Trim()} (Or set {ConnectionVariable} to the admin connection string of a running server.)");
        return output.Result;
    }

    private static string RepositoryRoot()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Newsletter.sln"))) folder = folder.Parent;
        return folder?.FullName ?? throw new InvalidOperationException(
            $"Cannot find the repository (Newsletter.sln) above {AppContext.BaseDirectory} to start PostgreSQL; set {ConnectionVariable}.");
    }
}
