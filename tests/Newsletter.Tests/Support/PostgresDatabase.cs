using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Newsletter.Data;

namespace Newsletter.Tests.Support;

/// <summary>
/// One database on the test <see cref="PostgresServer"/>, dropped on dispose. <see cref="HostSettings"/> are what a host
/// needs to run on it, as configuration keys: give them to a <c>WebApplicationFactory</c>, or (with <c>:</c> written
/// <c>__</c>, see <see cref="EnvironmentVariables"/>) to a child process of the real binary.
/// </summary>
public sealed class PostgresDatabase : IAsyncDisposable, IDisposable
{
    private readonly PostgresServer _server;
    private int _dropped;

    internal PostgresDatabase(PostgresServer server, string name, string connectionString)
    {
        _server = server;
        Name = name;
        ConnectionString = connectionString;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    /// <summary>The database, Hangfire's storage on it (shared by every process given these settings) and a signing key.</summary>
    public IReadOnlyDictionary<string, string?> HostSettings => new Dictionary<string, string?>
    {
        ["Database:Provider"] = "Postgres",
        ["Database:ConnectionString"] = ConnectionString,
        ["Jobs:Storage"] = "Postgres",
        ["Security:SigningKey"] = TestDatabase.SigningKey,
    };

    /// <summary><see cref="HostSettings"/> as environment variables for a child process.</summary>
    public IReadOnlyDictionary<string, string?> EnvironmentVariables => HostSettings.ToDictionary(s => s.Key.Replace(":", "__", StringComparison.Ordinal), s => s.Value);

    /// <summary>A context on this database, outside any host (the caller disposes it).</summary>
    public NewsletterDb CreateContext(params IInterceptor[] interceptors)
    {
        var options = new DbContextOptionsBuilder<NewsletterDb>();
        DataServiceCollectionExtensions.Configure(options, new DatabaseOptions { Provider = DatabaseProvider.Postgres, ConnectionString = ConnectionString },
            new DataDirectory(Path.GetTempPath()));
        options.AddInterceptors(interceptors);
        return new NewsletterDb(options.Options);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _dropped, 1) == 0) _server.Drop(Name, ConnectionString);
    }

    public ValueTask DisposeAsync() => new(Task.Run(Dispose));
}
