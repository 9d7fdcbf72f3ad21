using Hangfire;
using Hangfire.InMemory;
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
        services.AddSingleton<JobStorage>(sp =>
        {
            var jobs = sp.GetRequiredService<IOptions<JobsOptions>>().Value;
            if (jobs.Storage == JobStorageKind.InMemory)
                return new InMemoryStorage(new InMemoryStorageOptions { MaxExpirationTime = TimeSpan.FromHours(3) });
            var database = sp.GetRequiredService<IOptions<DatabaseOptions>>().Value;
            var connectionString = !string.IsNullOrWhiteSpace(jobs.ConnectionString)
                ? jobs.ConnectionString
                : DataServiceCollectionExtensions.ResolveConnectionString(database, sp.GetRequiredService<DataDirectory>());
            return new SqlServerStorage(connectionString, new SqlServerStorageOptions
            {
                PrepareSchemaIfNecessary = true,
                QueuePollInterval = TimeSpan.FromSeconds(1),
                SlidingInvisibilityTimeout = TimeSpan.FromMinutes(5),
            });
        });
        services.AddHangfire((sp, configuration) => configuration
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
                server.SchedulePollingInterval = TimeSpan.FromSeconds(1);
                server.ServerName = $"{Environment.MachineName}:{Environment.ProcessId}";
            });
        }
        return services;
    }
}
