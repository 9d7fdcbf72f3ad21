using System.Collections.Concurrent;
using Hangfire;
using Newsletter.Host.Hosting;
using Newsletter.Jobs;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Hosting;

/// <summary>
/// Hangfire.PostgreSql as JobsSetup configures it (the production settings, with a short invisibility timeout): two
/// servers on one database, a job that runs 2.5 times longer than the timeout. The sliding timeout keeps it with the
/// worker that runs it; the library's fixed timeout would hand it to the other server halfway. (8 s, renewed every 1.6 s, leaves room
/// for a loaded test machine; production's is minutes.)
/// </summary>
[Trait("Database", "Postgres")]
public sealed class PostgresJobStorageTests
{
    [Fact]
    public async Task A_job_running_longer_than_the_invisibility_timeout_is_not_taken_by_a_second_worker()
    {
        await using var database = await PostgresServer.Shared.CreateDatabaseAsync();
        var jobs = new JobsOptions { InvisibilityTimeout = TimeSpan.FromSeconds(8) };
        var storage = JobsSetup.CreatePostgresStorage(database.ConnectionString, jobs);
        var key = Guid.NewGuid().ToString("N");
        // Their own activator: Hangfire's default is process-wide, the last test host's services, disposed with it.
        using (var first = new BackgroundJobServer(new BackgroundJobServerOptions { WorkerCount = 1, ServerName = "first", Activator = new JobActivator() }, storage))
        using (var second = new BackgroundJobServer(new BackgroundJobServerOptions { WorkerCount = 1, ServerName = "second", Activator = new JobActivator() }, storage))
        {
            new BackgroundJobClient(storage).Enqueue(() => SlowJob.RunAsync(key, 20_000));
            await NewsletterApp.EventuallyAsync(() => Task.FromResult(SlowJob.Runs.GetValueOrDefault(key + ":done") == 1), "the slow job to finish", TimeSpan.FromSeconds(60));
            // Give a second pick-up (the fixed timeout passed twice meanwhile) every chance to show itself.
            await Task.Delay(TimeSpan.FromSeconds(3));
        }
        Assert.Equal(1, SlowJob.Runs.GetValueOrDefault(key + ":started"));
    }

}

/// <summary>The job: counts its starts and ends under its key.</summary>
public static class SlowJob
{
    public static readonly ConcurrentDictionary<string, int> Runs = new();

    public static async Task RunAsync(string key, int milliseconds)
    {
        Runs.AddOrUpdate(key + ":started", 1, (_, n) => n + 1);
        await Task.Delay(milliseconds);
        Runs.AddOrUpdate(key + ":done", 1, (_, n) => n + 1);
    }
}
