using Microsoft.EntityFrameworkCore;
using Newsletter.Dashboard;
using Newsletter.Data;

namespace Newsletter.Digests;

/// <summary>
/// What the overview shows about sending: a paused issue (the server refused us or could not be reached: a person must
/// fix the cause and resume), and recent issues with readers whose copy is Unknown (staff may send again).
/// </summary>
public sealed class DigestAlerts(NewsletterDb db) : IDashboardAlertSource
{
    public async Task<IReadOnlyList<DashboardAlert>> GetAlertsAsync(CancellationToken cancellationToken)
    {
        var alerts = new List<DashboardAlert>();
        var paused = await db.Set<DigestIssue>().AsNoTracking().Where(i => i.State == DigestIssueState.Paused)
            .OrderBy(i => i.Id).Select(i => new { i.Id, i.PausedReason, i.PausedBy }).ToListAsync(cancellationToken);
        foreach (var issue in paused)
        {
            // The server's refusal is an error to fix; a pause by staff is a decision to review, still not to forget.
            alerts.Add(issue.PausedBy is null
                ? new DashboardAlert(AlertLevel.Error, $"Digest #{issue.Id} is paused: {issue.PausedReason}", $"/admin/digests/{issue.Id}", "Fix and resume")
                : new DashboardAlert(AlertLevel.Warning, $"Digest #{issue.Id} was paused by {issue.PausedBy}; its remaining readers wait.",
                    $"/admin/digests/{issue.Id}", "Review and resume"));
        }
        var recent = await db.Set<DigestIssue>().AsNoTracking().Where(i => i.State != DigestIssueState.Planned)
            .OrderByDescending(i => i.Id).Take(10).Select(i => i.Id).ToListAsync(cancellationToken);
        var unknown = await db.Set<Delivery>().Where(d => recent.Contains(d.IssueId) && d.State == DeliveryState.Unknown)
            .GroupBy(d => d.IssueId).Select(g => new { IssueId = g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        foreach (var issue in unknown.OrderBy(u => u.IssueId))
            alerts.Add(new DashboardAlert(AlertLevel.Warning,
                $"Digest #{issue.IssueId}: {issue.Count} reader(s) with an unknown outcome (the connection failed after their message was written).",
                $"/admin/digests/{issue.IssueId}#unknown", "See who"));
        return alerts;
    }
}
