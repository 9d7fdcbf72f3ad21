using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Newsletter.Workers;

public static class WorkersServiceCollectionExtensions
{
    /// <summary>
    /// This process's identity on its claims and the fleet's liveness (lock files, heartbeats), and the overview's alerts
    /// about it. <paramref name="runsJobs"/>: this process has the worker role. The host adds <see cref="WorkerHeartbeat"/>
    /// itself, after its start-up tasks.
    /// </summary>
    public static IServiceCollection AddWorkers(this IServiceCollection services, bool runsJobs)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WorkerOptions>, WorkerOptionsValidator>();
        services.AddSingleton(sp => new ThisWorker(sp.GetRequiredService<Data.DataDirectory>(), runsJobs));
        services.TryAddEnumerable(ServiceDescriptor.Scoped<Dashboard.IDashboardAlertSource, WorkerAlerts>());
        services.AddScoped<WorkerRegistry>();
        return services;
    }
}
