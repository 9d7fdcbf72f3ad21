using Microsoft.Extensions.DependencyInjection.Extensions;
using Hangfire;
using Hangfire.InMemory;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Hangfire.SqlServer;
using Microsoft.Extensions.Options;
using Newsletter.Data;
using Newsletter.Jobs;

namespace Newsletter.Host.Hosting;

public static class JobsSetup
{
    /// <summary>
    /// Hangfire with the configured storage, given to DI explicitly (never the static JobStorage.Current, so two hosts
    /// in one test process don't share jobs), and a server only in the worker role.
    /// </summary>
    public static IServiceCollection AddNewsletterJobs(this IServiceCollection services, HostingOptions hosting)
    {
        services.AddOptions<JobsOptions>().BindConfiguration(JobsOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Scoped<Newsletter.Dashboard.IDashboardAlertSource, FailedJobsAlert>());
        services.AddSingleton<JobStorage>(sp =>
        {
            var jobs = sp.GetRequiredService<IOptions<JobsOptions>>().Value;
            return jobs.Storage switch
            {
                JobStorageKind.InMemory => new InMemoryStorage(new InMemoryStorageOptions { MaxExpirationTime = TimeSpan.FromHours(3) }),
                JobStorageKind.Postgres => CreatePostgresStorage(ConnectionString(sp, jobs), jobs),
                _ => new SqlServerStorage(ConnectionString(sp, jobs), new SqlServerStorageOptions
                {
                    PrepareSchemaIfNecessary = true,
                    QueuePollInterval = TimeSpan.FromSeconds(1),
                    SlidingInvisibilityTimeout = jobs.InvisibilityTimeout,
                }),
            };
        });
        // Ours too, for the same reason: Hangfire.AspNetCore's default is the static JobActivator.Current as it stands when
        // first asked for, and a second host starting at that moment in the same process (tests run in parallel) makes
        // it that host's, so this host's server ran its jobs with the other host's services and database.
        services.AddSingleton<JobActivator>(sp => new Hangfire.AspNetCore.AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        services.AddHangfire((sp, configuration) => configuration
            // Process-wide in Hangfire: ours outlives this host's logger factory without throwing (see HostLogProvider).
            .UseLogProvider(new HostLogProvider(sp.GetRequiredService<ILoggerFactory>()))
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseStorage(sp.GetRequiredService<JobStorage>()));
        if (hosting.IsWorker)
        {
            services.AddHangfireServer((sp, server) =>
            {
                var jobs = sp.GetRequiredService<IOptions<JobsOptions>>().Value;
                server.WorkerCount = jobs.WorkerCount;
                server.Activator = sp.GetRequiredService<JobActivator>();
                server.SchedulePollingInterval = TimeSpan.FromSeconds(1);
                server.ServerName = $"{Environment.MachineName}:{Environment.ProcessId}";
            });
        }
        return services;
    }

    /// <summary>
    /// Hangfire.PostgreSql, set deliberately (see PITFALLS and <see cref="JobsOptions.InvisibilityTimeout"/>): the
    /// invisibility timeout slides, so a live worker's long batch is never handed to a second worker, and a dead
    /// worker's job comes back after the timeout instead of the library's 30 minutes. New jobs wake idle workers at
    /// once through LISTEN/NOTIFY; the one-second poll only backs that up. The schema lives in "hangfire", beside ours.
    /// </summary>
    public static PostgreSqlStorage CreatePostgresStorage(string connectionString, JobsOptions jobs) =>
        new(new NpgsqlConnectionFactory(connectionString, PostgresStorageOptions(jobs)), PostgresStorageOptions(jobs));

    public static PostgreSqlStorageOptions PostgresStorageOptions(JobsOptions jobs) => new()
    {
        PrepareSchemaIfNecessary = true,
        SchemaName = "hangfire",
        InvisibilityTimeout = jobs.InvisibilityTimeout,
        UseSlidingInvisibilityTimeout = true,
        QueuePollInterval = TimeSpan.FromSeconds(1),
        EnableLongPolling = true,
        // A shared database must not hang a start-up for minutes: fail fast and let the orchestrator restart us.
        StartupConnectionMaxRetries = 0,
        // A lock whose holder was killed (SIGKILL, OOM) is taken over after this, not the library's 10 minutes: every
        // job that takes one is safe to run twice, so a minute is enough to stop a start-up waiting on a dead process.
        DistributedLockTimeout = TimeSpan.FromMinutes(1),
    };

    /// <summary>Jobs:ConnectionString, or the database's own when it is empty.</summary>
    private static string ConnectionString(IServiceProvider sp, JobsOptions jobs) =>
        !string.IsNullOrWhiteSpace(jobs.ConnectionString)
            ? jobs.ConnectionString
            : DataServiceCollectionExtensions.ResolveConnectionString(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value, sp.GetRequiredService<DataDirectory>());
}
