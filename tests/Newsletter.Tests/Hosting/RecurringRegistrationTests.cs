using Hangfire;
using Newsletter.Digests;
using Newsletter.Host.Hosting;
using Newsletter.Jobs;
using Newsletter.Subscribers;
using Newsletter.Tests.Support;
using Npgsql;

namespace Newsletter.Tests.Hosting;

/// <summary>
/// An operator changes the daily issue's time and restarts a worker whose previous process was killed while it held
/// that recurring job's lock (Hangfire.PostgreSql keeps such a lock until Jobs' DistributedLockTimeout). The worker
/// starts anyway and registers the schedule once the lock is free, even if the database refuses that first try:
/// the new time is what the shared job storage ends up with. PostgreSQL only: the one storage several processes share.
/// </summary>
[Trait("Database", "Postgres")]
public sealed class RecurringRegistrationTests : IAsyncLifetime
{
    private const string OldTime = "0 6 * * *";
    private const string NewTime = "30 7 * * *";
    private static readonly string DailyJobId = DigestRecovery.ScheduleJobId(DigestFrequency.Daily);

    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "newsletter-tests", Guid.NewGuid().ToString("N"));
    private PostgresDatabase _database = null!;

    public async Task InitializeAsync() => _database = await PostgresServer.Shared.CreateDatabaseAsync();

    [Fact]
    public async Task A_changed_schedule_whose_lock_a_dead_process_held_is_registered_once_free_even_after_a_refused_try()
    {
        await using (await HostProcess.StartAsync(Environment(OldTime)))
        {
        }
        Assert.Equal(OldTime, await DailyCronAsync());

        var storage = JobsSetup.CreatePostgresStorage(_database.ConnectionString, new JobsOptions());
        using var connection = storage.GetConnection();
        var heldLock = connection.AcquireDistributedLock("lock:recurring-job:" + DailyJobId, TimeSpan.FromSeconds(10));
        await using var worker = await HostProcess.StartAsync(Environment(NewTime));
        Assert.Contains("lock is held", worker.Output);
        Assert.Equal(OldTime, await DailyCronAsync());

        // The lock comes free, but for a few seconds the database refuses what registering writes.
        await ExecuteAsync("""
            CREATE FUNCTION refuse_hash() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$;
            CREATE TRIGGER refuse_hash BEFORE INSERT OR UPDATE ON hangfire.hash FOR EACH ROW EXECUTE FUNCTION refuse_hash();
            """);
        heldLock.Dispose();
        // Its first try comes 5 s after start; the log says when it was refused (a process that gives up says nothing).
        for (var waited = 0; waited < 30 && !worker.Output.Contains("refused by the test"); waited++) await Task.Delay(TimeSpan.FromSeconds(1));
        await ExecuteAsync("DROP TRIGGER refuse_hash ON hangfire.hash; DROP FUNCTION refuse_hash();");

        await NewsletterApp.EventuallyAsync(async () => await DailyCronAsync() == NewTime,
            "the new time of the daily issue in the job storage", TimeSpan.FromSeconds(60));
        Assert.False(worker.HasExited, worker.Output);
    }

    private Dictionary<string, string?> Environment(string dailyCron) => new(_database.EnvironmentVariables)
    {
        ["Roles"] = "worker",
        ["DataDirectory"] = _dataDirectory,
        ["Site__BaseUrl"] = "http://localhost",
        ["Site__PostalAddress"] = "1 Test Street, Testville",
        ["Email__FromAddress"] = "news@schedule.example",
        ["Digests__DailyCron"] = dailyCron,
    };

    private async Task<string?> DailyCronAsync()
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT value FROM hangfire.hash WHERE key = @key AND field = 'Cron'", connection);
        command.Parameters.AddWithValue("key", "recurring-job:" + DailyJobId);
        return (string?)await command.ExecuteScalarAsync();
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        try { Directory.Delete(_dataDirectory, recursive: true); } catch (IOException) { }
    }
}
