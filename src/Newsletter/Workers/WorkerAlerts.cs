using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Newsletter.Dashboard;
using Newsletter.Data;

namespace Newsletter.Workers;

/// <summary>
/// What the overview shows about the fleet: no worker alive (nothing is sent: confirmations, digests, receipts all
/// wait), and processes that went silent without stopping in the last day (killed, out of memory, a machine gone),
/// whose claims the fleet settled; staff should know that it happened and look at that machine.
/// </summary>
public sealed class WorkerAlerts(NewsletterDb db, IOptions<WorkerOptions> options, TimeProvider clock) : IDashboardAlertSource
{
    private const int Named = 3;

    public async Task<IReadOnlyList<DashboardAlert>> GetAlertsAsync(CancellationToken cancellationToken)
    {
        var alerts = new List<DashboardAlert>();
        var alive = clock.GetUtcNow().UtcDateTime - options.Value.DeadAfter;
        if (!await db.Set<Worker>().AnyAsync(w => w.RunsJobs && w.StoppedAt == null && w.BeatAt >= alive, cancellationToken))
            alerts.Add(new DashboardAlert(AlertLevel.Error,
                "No worker process is running: confirmations, digests and receipts wait until one starts (a process with Roles 'worker')."));
        var vanished = await db.Set<Worker>().AsNoTracking().Where(w => w.StoppedAt == null && w.BeatAt < alive)
            .OrderByDescending(w => w.BeatAt).Select(w => new { w.Machine, w.ProcessId, w.BeatAt }).Take(Named + 1).ToListAsync(cancellationToken);
        if (vanished.Count > 0)
        {
            var named = string.Join("; ", vanished.Take(Named).Select(w => $"{w.Machine} (process {w.ProcessId}), last heard {w.BeatAt:yyyy-MM-dd HH:mm} UTC"));
            var more = vanished.Count > Named ? " and more" : "";
            alerts.Add(new DashboardAlert(AlertLevel.Warning,
                $"A process stopped without shutting down (killed, out of memory, or its machine went away): {named}{more}. " +
                "Its unfinished sending was settled by the others; its logs say why it stopped."));
        }
        return alerts;
    }
}
