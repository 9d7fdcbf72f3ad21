using Microsoft.EntityFrameworkCore;
using Newsletter.Dashboard;
using Newsletter.Data;

namespace Newsletter.Email;

/// <summary>
/// What the overview shows about transactional mail: emails held because the server refuses our sender or content
/// (confirmations and receipts wait until a person fixes it), and emails whose outcome is Unknown.
/// </summary>
public sealed class OutboxAlerts(NewsletterDb db, TransactionalOutbox outbox) : IDashboardAlertSource
{
    public async Task<IReadOnlyList<DashboardAlert>> GetAlertsAsync(CancellationToken cancellationToken)
    {
        var alerts = new List<DashboardAlert>();
        var held = outbox.Held();
        var count = await held.CountAsync(cancellationToken);
        if (count > 0)
        {
            // The one counted may have gone out since: then the reply is simply not quoted.
            var reply = await held.OrderByDescending(e => e.Id).Select(e => e.LastError).FirstOrDefaultAsync(cancellationToken);
            alerts.Add(new DashboardAlert(AlertLevel.Error, $"{count} transactional email(s) are held: the mail server refuses our sender or content{(reply is null ? "" : $" ({reply})")}. They go out once it accepts them.",
                "/admin/outbox#held", "See the outbox"));
        }
        var unknown = await db.Set<TransactionalEmail>().CountAsync(e => e.State == TransactionalEmailState.Unknown, cancellationToken);
        if (unknown > 0)
            alerts.Add(new DashboardAlert(AlertLevel.Warning, $"{unknown} transactional email(s) have an unknown outcome (the connection failed after the message was written); they are not sent again by themselves.",
                "/admin/outbox#unknown", "See them and send again"));
        return alerts;
    }
}
