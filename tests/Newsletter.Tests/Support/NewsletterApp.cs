using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Newsletter.Data;

namespace Newsletter.Tests.Support;

/// <summary>
/// The whole service on its real parts: a temporary data directory with a real SQLite file, real migrations,
/// Hangfire in memory running real jobs, and SMTP to a real server in this process. Settings can be added per test class.
/// With <c>NEWSLETTER_TEST_DATABASE=Postgres</c> (see <see cref="TestDatabase"/>) the class gets a fresh PostgreSQL
/// database instead, and Hangfire runs on PostgreSQL storage in it.
/// </summary>
public class NewsletterApp : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string StaffApiKey = "test-staff-api-key-0123456789abcdef0123";

    /// <summary>
    /// The client address the host sees for this fixture's in-process clients. TestServer has no socket and so no
    /// address, like a reverse proxy on a Unix socket; its clients say who they are the way such a proxy does, with
    /// X-Forwarded-For (which the host believes from a connection without an address). A documentation address
    /// (TEST-NET-1): another machine, so the dashboard takes them over HTTPS only.
    /// </summary>
    public const string ClientIp = "192.0.2.10";

    public TestSmtpServer Smtp { get; } = new();
    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "newsletter-tests", Guid.NewGuid().ToString("N"));

    private PostgresDatabase? _postgres;

    /// <summary>The host's latest warnings and errors, for a timeout's message: a job that failed says why there.</summary>
    private readonly RecentProblems _problems = new();

    /// <summary>The host's last ten warnings and errors, as an operator's log has them.</summary>
    public IReadOnlyCollection<string> RecentWarnings => _problems.Latest;

    /// <summary>Extra settings for a test class; they override the defaults below.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> Settings => [];

    /// <summary>The database of this class: the run's (<see cref="TestDatabase"/>), unless the class is about one provider.</summary>
    public virtual DatabaseProvider Provider => TestDatabase.Provider;

    /// <summary>The class's PostgreSQL database, when <see cref="Provider"/> is Postgres.</summary>
    public PostgresDatabase? Postgres => _postgres;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var settings = new Dictionary<string, string?>
        {
            ["DataDirectory"] = DataDirectory,
            ["Site:BaseUrl"] = "http://localhost",
            ["Site:Name"] = "The Test Review",
            ["Site:PostalAddress"] = "1 Test Street, Testville",
            ["Email:Transport"] = "Smtp",
            ["Email:FromAddress"] = "news@test-review.example",
            ["Email:FromName"] = "The Test Review",
            ["Email:Smtp:Host"] = "127.0.0.1",
            ["Email:Smtp:Port"] = Smtp.Port.ToString(),
            ["Email:Smtp:Security"] = "None",
            ["Email:Transactional:RetryDelay"] = "00:00:01",
            ["Email:Transactional:HoldDelay"] = "00:00:01",
            ["Email:Smtp:ReconnectDelay"] = "00:00:00.050",
            ["Email:Smtp:MaxReconnectDelay"] = "00:00:00.500",
            ["Security:StaffApiKey"] = StaffApiKey,
            ["RateLimiting:PublicWritesPerMinute"] = "10000",
            ["Subscribers:Topics:0"] = "books",
            ["Subscribers:Topics:1"] = "film",
            ["Subscribers:Topics:2"] = "music",
            ["Logging:LogLevel:Default"] = Environment.GetEnvironmentVariable("NEWSLETTER_TEST_LOGLEVEL") ?? "Warning",
        };
        if (Provider == DatabaseProvider.Postgres)
        {
            _postgres ??= PostgresServer.Shared.CreateDatabase();
            foreach (var (key, value) in _postgres.HostSettings) settings[key] = value;
        }
        foreach (var (key, value) in Settings) settings[key] = value;
        foreach (var (key, value) in settings) builder.UseSetting(key, value);
        builder.ConfigureLogging(logging => logging.AddProvider(_problems));
        builder.UseEnvironment("Testing");
    }

    protected override void ConfigureClient(HttpClient client)
    {
        base.ConfigureClient(client);
        client.DefaultRequestHeaders.Add("X-Forwarded-For", ClientIp);
    }

    /// <summary>
    /// Where the in-process clients send their requests: over HTTPS, as readers and staff reach a production site (the
    /// dashboard refuses plain HTTP from another machine; <c>ClientAddressTests</c> tests that over real sockets).
    /// </summary>
    public static readonly Uri HttpsBase = new("https://localhost");

    /// <summary>A client for the staff API.</summary>
    public HttpClient CreateStaffClient()
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = HttpsBase, AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Add("X-Api-Key", StaffApiKey);
        return client;
    }

    /// <summary>A client like a reader's browser: no redirects followed, so tests see them.</summary>
    public HttpClient CreateReaderClient() => CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = HttpsBase, AllowAutoRedirect = false });

    /// <summary>A reader signs up through the public API and is told to check their inbox (202): a confirmation is queued.</summary>
    public async Task SignUpAsync(string email)
    {
        var response = await CreateReaderClient().PostAsJsonAsync("/api/subscribers", new { email });
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
    }

    /// <summary>
    /// Closes the outbox's idle SMTP connections, so that its next email opens a new one: a test that scripts the
    /// greeting needs it, since a connection an earlier test left open is never greeted again.
    /// </summary>
    public Task CloseIdleOutboxConnectionsAsync() =>
        Services.GetRequiredKeyedService<Newsletter.Email.EmailSessionPool>(Newsletter.Email.EmailLanes.Transactional).CloseIdleAsync();

    /// <summary>The outbox's one email to <paramref name="recipient"/>, as the database has it now.</summary>
    public Task<Newsletter.Email.TransactionalEmail> OutboxEmailAsync(string recipient) =>
        WithDbAsync(db => db.Set<Newsletter.Email.TransactionalEmail>().AsNoTracking().SingleAsync(e => e.Recipient == recipient));

    /// <summary>Runs <paramref name="work"/> against the database the host uses.</summary>
    public async Task<T> WithDbAsync<T>(Func<NewsletterDb, Task<T>> work)
    {
        await using var scope = Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<NewsletterDb>());
    }

    /// <summary>
    /// The reader's signed unsubscribe link (relative), as every mail after the confirmation carries it. The
    /// confirmation itself has none: the address is not proven the reader's until they confirm.
    /// </summary>
    public async Task<string> UnsubscribeLinkAsync(string emailKey)
    {
        var publicId = await WithDbAsync(db => db.Set<Newsletter.Subscribers.Subscriber>().Where(s => s.EmailKey == emailKey).Select(s => s.PublicId).SingleAsync());
        return new Uri(Services.GetRequiredService<Newsletter.Links.SiteLinks>().Unsubscribe(publicId)).PathAndQuery;
    }

    public Task WithDbAsync(Func<NewsletterDb, Task> work) => WithDbAsync(async db => { await work(db); return 0; });

    /// <summary>
    /// What the background is doing, for a timeout's message: Hangfire's jobs in flight and queued (method, since
    /// when, which server) and, on PostgreSQL, the database's sessions that are not idle (what they wait for, since
    /// when, their statement). A wait that times out once on a busy CI machine can then say what held it.
    /// </summary>
    public async Task<string> DescribeBackgroundWorkAsync()
    {
        var lines = new List<string>();
        try
        {
            var monitor = Services.GetRequiredService<Hangfire.JobStorage>().GetMonitoringApi();
            lines.AddRange(monitor.ProcessingJobs(0, 20).Select(j => $"job {j.Key} processing {Name(j.Value.Job)} since {j.Value.StartedAt:O} on {j.Value.ServerId}"));
            foreach (var queue in monitor.Queues())
                lines.AddRange(monitor.EnqueuedJobs(queue.Name, 0, 20).Select(j => $"job {j.Key} enqueued in {queue.Name} {Name(j.Value.Job)} at {j.Value.EnqueuedAt:O}"));
            lines.AddRange(monitor.ScheduledJobs(0, 20).Select(j => $"job {j.Key} scheduled {Name(j.Value.Job)} for {j.Value.EnqueueAt:O}"));
            lines.AddRange(monitor.FailedJobs(0, 5).Select(j => $"job {j.Key} failed {Name(j.Value.Job)} at {j.Value.FailedAt:O}: {j.Value.ExceptionType}: {j.Value.ExceptionMessage}"));
            lines.Add($"jobs succeeded {monitor.SucceededListCount()}, deleted {monitor.DeletedListCount()}");
            lines.AddRange(_problems.Latest.Select(p => $"log {p}"));
            lines.Add($"servers: {string.Join(", ", monitor.Servers().Select(s => $"{s.Name} (heartbeat {s.Heartbeat:O}, {s.WorkersCount} workers)"))}");
            if (Provider == DatabaseProvider.Postgres)
                lines.AddRange(await WithDbAsync(db => db.Database.SqlQueryRaw<string>("""
                    SELECT format('pg %s %s waits %s/%s since %s (transaction since %s): %s', pid, state, wait_event_type, wait_event,
                                  state_change, xact_start, left(regexp_replace(query, '\s+', ' ', 'g'), 240)) AS "Value"
                    FROM pg_stat_activity WHERE datname = current_database() AND state <> 'idle' AND pid <> pg_backend_pid()
                    """).ToListAsync()));
            if (Provider == DatabaseProvider.Postgres)
                // A job a worker fetched but has not moved to Processing is in neither list above.
                lines.AddRange(await WithDbAsync(db => db.Database.SqlQueryRaw<string>("""
                    SELECT format('queued job %s in %s fetched at %s, state %s', q.jobid, q.queue, q.fetchedat, j.statename) AS "Value"
                    FROM hangfire.jobqueue q LEFT JOIN hangfire.job j ON j.id = q.jobid ORDER BY q.id LIMIT 20
                    """).ToListAsync()));
        }
        catch (Exception e)
        {
            lines.Add($"(could not describe the background: {e.GetType().Name}: {e.Message})");
        }
        return string.Join("; ", lines);

        // Null when Hangfire cannot load the job's type or method.
        static string Name(Hangfire.Common.Job? job) => job is null ? "(a job Hangfire cannot read)" : $"{job.Type.Name}.{job.Method.Name}";
    }

    /// <summary>Polls until <paramref name="condition"/> holds (jobs run in the background); fails after the timeout.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("Timed out waiting for: " + what);
            await Task.Delay(50);
        }
    }

    public virtual Task InitializeAsync()
    {
        // Building the server runs start-up: migrations, templates, recurring jobs.
        _ = Server;
        return Task.CompletedTask;
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        await Smtp.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_postgres is not null) await _postgres.DisposeAsync();
        try { Directory.Delete(DataDirectory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Test classes that start a host share this collection, so Hangfire servers never run side by side.</summary>
[CollectionDefinition(Name)]
public sealed class HostCollection
{
    public const string Name = "host";
}
