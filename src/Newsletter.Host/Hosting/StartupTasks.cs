using Hangfire;
using Microsoft.Extensions.Options;
using Newsletter.Data;
using Newsletter.Jobs;
using Newsletter.Templates;

namespace Newsletter.Host.Hosting;

/// <summary>
/// Runs before the Hangfire server and the web server start: migrate (when configured), check the database,
/// parse every template (a broken one stops start-up), register recurring jobs and re-enqueue unfinished work.
/// </summary>
public sealed partial class StartupTasks(
    IServiceProvider services,
    IOptions<DatabaseOptions> database,
    IOptions<HostingOptions> hosting,
    IHostApplicationLifetime lifetime,
    ILogger<StartupTasks> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var migrator = services.GetRequiredService<DatabaseMigrator>();
        if (database.Value.MigrateOnStart)
        {
            await migrator.MigrateAsync(cancellationToken);
        }
        else
        {
            await using var scope = services.CreateAsyncScope();
            await migrator.PrepareAsync(scope.ServiceProvider.GetRequiredService<NewsletterDb>(), cancellationToken);
        }
        var templates = services.GetRequiredService<TemplateLibrary>();
        LogTemplates(logger, templates.Names.Count, templates.Folder);
        // A new install says where its setup token is; one with staff removes the token file.
        if (hosting.Value.IsWeb) await services.GetRequiredService<Newsletter.Staff.FirstRunSetup>().AnnounceAsync(cancellationToken);
        if (!hosting.Value.IsWorker) return;
        var recurring = services.GetRequiredService<IRecurringJobManager>();
        foreach (var source in services.GetServices<IRecurringJobSource>())
        {
            try
            {
                source.Register(recurring);
            }
            catch (Exception e) when (Newsletter.Jobs.SkipWhenRunningAttribute.IsHeldLock(e))
            {
                // A process killed while Hangfire held a recurring job's lock leaves the lock until it expires
                // (Jobs:DistributedLockTimeout). The jobs are already in the shared storage: start anyway, register later.
                LogRecurringLocked(logger, source.GetType().Name, e.Message);
                _ = RegisterLaterAsync(source, recurring, lifetime.ApplicationStopping);
            }
        }
        foreach (var recovery in services.GetServices<IStartupRecovery>()) await recovery.RecoverAsync(cancellationToken);
    }

    private async Task RegisterLaterAsync(IRecurringJobSource source, IRecurringJobManager recurring, CancellationToken stopping)
    {
        for (var attempt = 1; !stopping.IsCancellationRequested; attempt++)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, 5 * attempt)), stopping);
                source.Register(recurring);
                LogRecurringRegistered(logger, source.GetType().Name, attempt);
                return;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (Newsletter.Jobs.SkipWhenRunningAttribute.IsHeldLock(e))
            {
                LogRecurringLocked(logger, source.GetType().Name, e.Message);
            }
            catch (Exception e)
            {
                // The database refused or was out of reach for a moment. Ending here would leave this process's
                // schedule (a changed cron, a new job) unregistered with nothing in the log: keep trying.
                LogRecurringRetryFailed(logger, source.GetType().Name, e);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 100, EventName = "TemplatesLoaded", Level = LogLevel.Information, Message = "{Count} templates parsed from {Folder}")]
    private static partial void LogTemplates(ILogger logger, int count, string folder);

    [LoggerMessage(EventId = 101, EventName = "RecurringJobsLocked", Level = LogLevel.Warning,
        Message = "{Source}: a recurring job's lock is held (by a process that stopped?); starting anyway and registering it again shortly: {Reason}")]
    private static partial void LogRecurringLocked(ILogger logger, string source, string reason);

    [LoggerMessage(EventId = 102, EventName = "RecurringJobsRegisteredLate", Level = LogLevel.Information, Message = "{Source}: recurring jobs registered (try {Attempt})")]
    private static partial void LogRecurringRegistered(ILogger logger, string source, int attempt);

    [LoggerMessage(EventId = 103, EventName = "RecurringJobsRegistrationFailed", Level = LogLevel.Warning,
        Message = "{Source}: registering recurring jobs failed; trying again shortly")]
    private static partial void LogRecurringRetryFailed(ILogger logger, string source, Exception exception);
}
