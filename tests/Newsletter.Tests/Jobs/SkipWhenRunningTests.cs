using System.Collections.Concurrent;
using Hangfire;
using Hangfire.Common;
using Hangfire.Server;
using Hangfire.Storage;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Newsletter.Jobs;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Jobs;

/// <summary>
/// <see cref="SkipWhenRunningAttribute"/> on the host's real Hangfire server and storage (in memory with SQLite,
/// Hangfire.PostgreSql with PostgreSQL): a run that meets another one in progress does not run and ends Deleted,
/// never Failed and never logged as an error; the lock is released after a run that threw; and the lock is the one
/// Hangfire's DisableConcurrentExecution takes, so processes on either exclude each other during a rolling upgrade.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class SkipWhenRunningTests(SkipWhenRunningTests.App app) : IClassFixture<SkipWhenRunningTests.App>
{
    public sealed class App : NewsletterApp
    {
        public LogCapture Logs { get; } = new();

        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
            [new("Logging:LogLevel:" + typeof(SkipWhenRunningAttribute).FullName, "Debug")];

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureLogging(logging => logging.AddProvider(Logs));
        }
    }

    /// <summary>A sweep-like job: says it started, then waits for the test to let it finish (or throws at once).</summary>
    public sealed class GatedJob
    {
        public static readonly ConcurrentQueue<string> Started = new();
        public static TaskCompletionSource Gate = new(TaskCreationOptions.RunContinuationsAsynchronously);

        [AutomaticRetry(Attempts = 0)]
        [SkipWhenRunning]
        public async Task RunAsync(string run, bool fail, CancellationToken cancellationToken)
        {
            Started.Enqueue(run);
            if (fail) throw new InvalidOperationException("The job failed on purpose.");
            await Gate.Task.WaitAsync(cancellationToken);
        }
    }

    private JobStorage Storage => app.Services.GetRequiredService<JobStorage>();

    private string Enqueue(string run, bool fail = false) =>
        app.Services.GetRequiredService<IBackgroundJobClient>().Enqueue<GatedJob>(j => j.RunAsync(run, fail, CancellationToken.None));

    private string? State(string jobId)
    {
        using var connection = Storage.GetConnection();
        return connection.GetJobData(jobId)?.State;
    }

    private Task UntilAsync(string jobId, string state) =>
        NewsletterApp.EventuallyAsync(() => Task.FromResult(State(jobId) == state), $"job {jobId} to be {state}");

    private Task UntilStartedAsync(string run) =>
        NewsletterApp.EventuallyAsync(() => Task.FromResult(GatedJob.Started.Contains(run)), $"run {run} to start");

    private IEnumerable<string> History(string jobId) => Storage.GetMonitoringApi().JobDetails(jobId).History.Select(h => h.StateName);

    [Fact]
    public async Task A_run_that_meets_another_in_progress_does_not_run_and_ends_deleted_not_failed_and_logs_no_error()
    {
        var linesBefore = app.Logs.Lines.Count;
        GatedJob.Gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        var tag = Guid.NewGuid().ToString("N");
        var first = Enqueue("first-" + tag);
        await UntilStartedAsync("first-" + tag);

        var second = Enqueue("second-" + tag);
        await NewsletterApp.EventuallyAsync(() => Task.FromResult(State(second) is "Succeeded" or "Failed" or "Deleted"), "the second run to end");
        Assert.Equal("Deleted", State(second));
        // Hangfire's own outcome for a job a server filter cancels, with the filter named on the dashboard's job page.
        Assert.Equal("Canceled by filter 'SkipWhenRunningAttribute'", Storage.GetMonitoringApi().JobDetails(second).History[0].Reason);
        Assert.Equal("Processing", State(first));

        GatedJob.Gate.SetResult();
        await UntilAsync(first, "Succeeded");
        Assert.Equal(["first-" + tag], GatedJob.Started.Where(r => r.EndsWith(tag)));
        Assert.DoesNotContain("Failed", History(first).Concat(History(second)));
        var lines = app.Logs.Lines.Skip(linesBefore).ToList();
        Assert.DoesNotContain(lines, l => l.Level >= LogLevel.Error);
        var skipped = Assert.Single(lines, l => l.Category == typeof(SkipWhenRunningAttribute).FullName);
        Assert.Equal(LogLevel.Debug, skipped.Level);
        Assert.Equal($"Background job {second} (SkipWhenRunningTests.GatedJob.RunAsync) not run: another run was in progress.", skipped.Message);
    }

    /// <remarks>
    /// Bites on PostgreSQL: a lock left behind stays in its table until Jobs:DistributedLockTimeout. Hangfire.InMemory
    /// also frees a lock when the worker disposes the job's connection, so in memory a forgotten release goes unseen.
    /// </remarks>
    [Fact]
    public async Task A_run_that_throws_releases_the_lock_so_the_next_run_does_the_work()
    {
        GatedJob.Gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        GatedJob.Gate.SetResult();
        var tag = Guid.NewGuid().ToString("N");
        var failing = Enqueue("failing-" + tag, fail: true);
        await UntilAsync(failing, "Failed");

        var next = Enqueue("next-" + tag);
        await UntilAsync(next, "Succeeded");
        Assert.Equal(["failing-" + tag, "next-" + tag], GatedJob.Started.Where(r => r.EndsWith(tag)));
    }

    [Fact]
    public async Task The_lock_is_the_one_DisableConcurrentExecution_takes_so_old_and_new_processes_exclude_each_other()
    {
        var tag = Guid.NewGuid().ToString("N");
        var hangfires = new DisableConcurrentExecutionAttribute(timeoutInSeconds: 0);
        var job = Job.FromExpression<GatedJob>(j => j.RunAsync("old-process", false, CancellationToken.None));

        // A process still on DisableConcurrentExecution runs the job: a run here skips.
        GatedJob.Gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        GatedJob.Gate.SetResult();
        using (var connection = Storage.GetConnection())
        {
            var old = new PerformContext(Storage, connection, new BackgroundJob("old-" + tag, job, DateTime.UtcNow), new JobCancellationToken(false));
            hangfires.OnPerforming(new PerformingContext(old));
            var meanwhile = Enqueue("meanwhile-" + tag);
            await UntilAsync(meanwhile, "Deleted");
            Assert.DoesNotContain(GatedJob.Started, r => r.EndsWith(tag));
            hangfires.OnPerformed(new PerformedContext(old, null, false, null));
        }

        // A run here holds the lock: the old process's filter cannot take it.
        GatedJob.Gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
        var run = Enqueue("new-" + tag);
        await UntilStartedAsync("new-" + tag);
        using (var connection = Storage.GetConnection())
        {
            var old = new PerformContext(Storage, connection, new BackgroundJob("old2-" + tag, job, DateTime.UtcNow), new JobCancellationToken(false));
            var refused = Assert.ThrowsAny<Exception>(() => hangfires.OnPerforming(new PerformingContext(old)));
            Assert.True(refused is DistributedLockTimeoutException or Hangfire.PostgreSql.PostgreSqlDistributedLockException, refused.ToString());
        }
        GatedJob.Gate.SetResult();
        await UntilAsync(run, "Succeeded");
    }
}
