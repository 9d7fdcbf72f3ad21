namespace Newsletter.Dashboard;

/// <summary>Something staff should look at, shown at the top of the overview (failed jobs, a broken template...).</summary>
public interface IDashboardAlertSource
{
    Task<IReadOnlyList<DashboardAlert>> GetAlertsAsync(CancellationToken cancellationToken);
}

/// <summary>One alert: how serious, what is wrong in plain words, and where to fix it.</summary>
public sealed record DashboardAlert(AlertLevel Level, string Message, string? LinkUrl = null, string? LinkText = null);

public enum AlertLevel
{
    Warning,
    Error,
}
