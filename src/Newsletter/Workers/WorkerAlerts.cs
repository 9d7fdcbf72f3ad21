using Microsoft.EntityFrameworkCore;
using Newsletter.Dashboard;

namespace Newsletter.Workers;

/// <summary>
/// What the overview shows about the fleet: no worker alive (nothing is sent: confirmations, digests, receipts all
/// wait), and processes that went silent without stopping in the last day (killed, out of memory, a machine gone),
/// whose claims the fleet settled; staff should know that it happened and look at that machine.
/// </summary>
public sealed class WorkerAlerts(WorkerRegistry workers) : IDashboardAlertSource
{
    private const int Named = 3;

    public async Task<IReadOnlyList<DashboardAlert>> GetAlertsAsync(CancellationToken cancellationToken)
    {
        var alerts = new List<DashboardAlert>();
        if (!await workers.SendingProcesses().AnyAsync(cancellationToken))
            alerts.Add(new DashboardAlert(AlertLevel.Error,
                "No worker process is running: confirmations, digests and receipts wait until one starts (a process with Roles 'worker')."));
        var vanished = await workers.Vanished().Select(w => new { w.Machine, w.ProcessId, w.BeatAt }).Take(Named + 1).ToListAsync(cancellationToken);
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
