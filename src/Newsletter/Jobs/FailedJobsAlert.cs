using Hangfire;
using Newsletter.Dashboard;

namespace Newsletter.Jobs;

/// <summary>Failed Hangfire jobs (retries used up): staff look at them in the jobs dashboard.</summary>
public sealed class FailedJobsAlert(JobStorage storage) : IDashboardAlertSource
{
    public Task<IReadOnlyList<DashboardAlert>> GetAlertsAsync(CancellationToken cancellationToken)
    {
        var failed = storage.GetMonitoringApi().FailedCount();
        IReadOnlyList<DashboardAlert> alerts = failed == 0 ? [] :
            [new DashboardAlert(AlertLevel.Error, $"{failed} background job(s) failed.", "/admin/jobs/jobs/failed", "See failed jobs")];
        return Task.FromResult(alerts);
    }
}
