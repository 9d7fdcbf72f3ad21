using Newsletter.Dashboard;

namespace Newsletter.Templates;

/// <summary>A template that does not parse: a saved edit (the file is used instead) or a file changed on disk.</summary>
public sealed class TemplateAlerts(TemplateStore templates) : IDashboardAlertSource
{
    public Task<IReadOnlyList<DashboardAlert>> GetAlertsAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<DashboardAlert> alerts = templates.List().Where(t => t.Error is not null)
            .Select(t => new DashboardAlert(AlertLevel.Error, $"Template {t.Name}: {t.Error}", "/admin/templates/edit?name=" + Uri.EscapeDataString(t.Name), "Open the template"))
            .ToList();
        return Task.FromResult(alerts);
    }
}
