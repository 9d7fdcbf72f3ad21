using Newsletter.Dashboard;
using System.Text.Json;

namespace Newsletter.Host.Dashboard.Pages.Admin;

/// <summary>
/// The overview: alerts first, then one card per area (subscribers, digests, donations). An area whose feature has
/// not registered an <see cref="IOverviewPanel"/> says so instead of failing.
/// </summary>
public sealed class IndexModel(IEnumerable<IOverviewPanel> panels, IEnumerable<IDashboardAlertSource> alertSources) : StaffPage
{
    public static readonly IReadOnlyList<(string Area, string Title)> Areas = [("subscribers", "Subscribers"), ("digests", "Digests"), ("donations", "Donations")];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public override string Title => "Overview";

    public IReadOnlyList<DashboardAlert> Alerts { get; private set; } = [];
    public IReadOnlyDictionary<string, IReadOnlyList<OverviewPanel>> Panels { get; private set; } = new Dictionary<string, IReadOnlyList<OverviewPanel>>();

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        var alerts = new List<DashboardAlert>();
        foreach (var source in alertSources) alerts.AddRange(await source.GetAlertsAsync(cancellationToken));
        Alerts = alerts.OrderByDescending(a => a.Level).ToList();
        var built = new Dictionary<string, IReadOnlyList<OverviewPanel>>();
        foreach (var group in panels.GroupBy(p => p.Area))
        {
            var list = new List<OverviewPanel>();
            foreach (var panel in group) list.Add(await panel.BuildAsync(cancellationToken));
            built[group.Key] = list;
        }
        Panels = built;
    }

    public static string ChartJson(OverviewChart chart) => JsonSerializer.Serialize(chart, Json);
}
