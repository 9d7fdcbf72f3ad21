using System.Globalization;
using Newsletter.Dashboard;

namespace Newsletter.Donations;

/// <summary>
/// The overview's donation card: net money this month and last (per currency, never converted), recurring monthly
/// revenue, and twelve months of net donations as a bar chart (major units, one series per currency). Months are the
/// publisher's (Donations:TimeZone).
/// </summary>
public sealed class DonationOverviewPanel(DonationTotals totals, DonationCalendar calendar) : IOverviewPanel
{
    public const int ChartMonths = 12;

    public string Area => "donations";

    public async Task<OverviewPanel> BuildAsync(CancellationToken cancellationToken)
    {
        var today = calendar.Today;
        var thisMonth = new DateOnly(today.Year, today.Month, 1);
        var chartStart = thisMonth.AddMonths(-(ChartMonths - 1));
        var current = await totals.ByCurrencyAsync(calendar.StartOfDayUtc(thisMonth), calendar.StartOfDayUtc(thisMonth.AddMonths(1)), cancellationToken);
        var previous = await totals.ByCurrencyAsync(calendar.StartOfDayUtc(thisMonth.AddMonths(-1)), calendar.StartOfDayUtc(thisMonth), cancellationToken);
        var recurring = await totals.MonthlyRecurringRevenueAsync(cancellationToken);
        var months = await totals.ByPeriodAsync(TotalsPeriod.Month, calendar.StartOfDayUtc(chartStart), calendar.StartOfDayUtc(thisMonth.AddMonths(1)), cancellationToken);

        var labels = Enumerable.Range(0, ChartMonths).Select(i => chartStart.AddMonths(i).ToString("yyyy-MM", CultureInfo.InvariantCulture)).ToList();
        var series = months.GroupBy(m => m.Currency).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new OverviewSeries("Net " + g.Key.ToUpperInvariant(),
                labels.Select(label => g.Where(m => m.Period == label).Sum(m => m.Net) / Money.MinorPerMajor(g.Key)).ToList()))
            .ToList();
        return new OverviewPanel("Donations",
            [
                new("This month", Amounts(current.Select(c => (c.Currency, c.Net)))),
                new("Last month", Amounts(previous.Select(c => (c.Currency, c.Net)))),
                new("Recurring monthly revenue", Amounts(recurring.Select(r => (r.Currency, r.Amount)))),
            ],
            series.Count == 0 ? null : new OverviewChart("bar", labels, series),
            LinkUrl: "/admin/donations", LinkText: "All donations");
    }

    /// <summary>"25.00 USD + 10.00 EUR", or "0" when there is nothing.</summary>
    public static string Amounts(IEnumerable<(string Currency, long Amount)> amounts)
    {
        var parts = amounts.Where(a => a.Amount != 0).Select(a => Money.Format(a.Amount, a.Currency)).ToList();
        return parts.Count == 0 ? "0" : string.Join(" + ", parts);
    }
}
