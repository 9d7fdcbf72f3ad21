using Hangfire;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Newsletter.Host.Hosting;

/// <summary>Healthy when the job storage answers a statistics query.</summary>
public sealed class JobStorageHealthCheck(JobStorage storage) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var stats = storage.GetMonitoringApi().GetStatistics();
            return Task.FromResult(HealthCheckResult.Healthy($"{stats.Servers} server(s), {stats.Enqueued} enqueued, {stats.Failed} failed"));
        }
        catch (Exception e)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("Job storage is not reachable.", e));
        }
    }
}
