namespace Newsletter.Dashboard;

/// <summary>
/// A panel on the dashboard's overview page. Features register one each (digests: the last issues; donations: this
/// month's money), so the overview grows without the page changing; an area with no panel shows "not available yet".
/// </summary>
public interface IOverviewPanel
{
    /// <summary>Which area of the overview the panel fills: "subscribers", "digests" or "donations".</summary>
    string Area { get; }

    Task<OverviewPanel> BuildAsync(CancellationToken cancellationToken);
}

/// <summary>What a panel shows: a few figures, an optional chart, an optional table, and a link to its page.</summary>
public sealed record OverviewPanel(
    string Title,
    IReadOnlyList<OverviewFigure> Figures,
    OverviewChart? Chart = null,
    OverviewTable? Table = null,
    string? LinkUrl = null,
    string? LinkText = null);

/// <summary>One labelled number ("Confirmed: 1,204").</summary>
public sealed record OverviewFigure(string Label, string Value);

/// <summary>A chart drawn by Chart.js: one label per point and one or more series of the same length.</summary>
public sealed record OverviewChart(string Kind, IReadOnlyList<string> Labels, IReadOnlyList<OverviewSeries> Series);

public sealed record OverviewSeries(string Label, IReadOnlyList<long> Values);

/// <summary>A small table, e.g. the last issues with their counts.</summary>
public sealed record OverviewTable(IReadOnlyList<string> Columns, IReadOnlyList<IReadOnlyList<string>> Rows);
