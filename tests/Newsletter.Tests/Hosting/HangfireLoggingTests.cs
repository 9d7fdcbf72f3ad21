using Hangfire;
using Hangfire.InMemory;
using Hangfire.Logging;
using Microsoft.Extensions.Logging;
using Newsletter.Jobs;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Hosting;

/// <summary>
/// Hangfire's log provider is one for the whole process, and each host sets it to its own logger factory. These tests
/// stop a host and then use Hangfire in the same process, as the test run does all day (PostgresJobStorageTests
/// failed at random with ObjectDisposedException from a disposed host's factory).
/// </summary>
[Collection(HostCollection.Name)]
public sealed class HangfireLoggingTests
{
    [Fact]
    public async Task A_Hangfire_server_built_after_a_host_stopped_runs_its_jobs()
    {
        var host = new NewsletterApp();
        await ((IAsyncLifetime)host).InitializeAsync();
        await ((IAsyncLifetime)host).DisposeAsync();

        var storage = new InMemoryStorage();
        var key = Guid.NewGuid().ToString("N");
        // Hangfire's default activator is process-wide too (the last host's services, disposed with it): this server
        // has its own, as a server outside any host should.
        var options = new BackgroundJobServerOptions { WorkerCount = 1, ServerName = "after-the-host", Activator = new JobActivator() };
        using (new BackgroundJobServer(options, storage))
        {
            new BackgroundJobClient(storage).Enqueue(() => SlowJob.RunAsync(key, 0));
            await NewsletterApp.EventuallyAsync(() => Task.FromResult(SlowJob.Runs.GetValueOrDefault(key + ":done") == 1), "the job to run");
        }
    }

    [Fact]
    public void Hangfire_logs_through_the_host_while_it_lives_and_is_silent_after()
    {
        var capture = new LogCapture();
        var factory = LoggerFactory.Create(logging => logging.AddProvider(capture).SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Debug));
        var provider = new HostLogProvider(factory);

        provider.GetLogger("Hangfire.Test").Warn("while the host lives");
        Assert.Contains(capture.Lines, line => line.Category == "Hangfire.Test" && line.Message == "while the host lives");

        factory.Dispose();
        var afterwards = provider.GetLogger("Hangfire.Test");
        afterwards.Warn("after the host stopped");
        Assert.False(afterwards.IsWarnEnabled());
        Assert.DoesNotContain(capture.Lines, line => line.Message == "after the host stopped");
    }
}
