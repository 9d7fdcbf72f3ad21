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
        foreach (var source in services.GetServices<IRecurringJobSource>()) source.Register(recurring);
        foreach (var recovery in services.GetServices<IStartupRecovery>()) await recovery.RecoverAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 100, EventName = "TemplatesLoaded", Level = LogLevel.Information, Message = "{Count} templates parsed from {Folder}")]
    private static partial void LogTemplates(ILogger logger, int count, string folder);
}
