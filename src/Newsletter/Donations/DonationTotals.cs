using Microsoft.EntityFrameworkCore;
using Newsletter.Data;

namespace Newsletter.Donations;

/// <summary>
/// The dashboard's numbers. Only money that arrived counts (outcome Paid, by paid date); net is after refunds and lost
/// disputes (<see cref="DonationFigures"/>). Amounts stay per currency: we never convert. Ranges are [from, to) in UTC;
/// days and months are the publisher's (<see cref="DonationCalendar"/>).
/// </summary>
public sealed class DonationTotals(NewsletterDb db, DonationCalendar calendar)
{
    /// <summary>Totals per local day or month and currency. Grouped in memory over the range, which a blog's donations keep small.</summary>
    public async Task<IReadOnlyList<PeriodTotal>> ByPeriodAsync(TotalsPeriod period, DateTime? from, DateTime? to, CancellationToken cancellationToken)
    {
        var rows = await Counted(from, to).ToListAsync(cancellationToken);
        var format = period == TotalsPeriod.Day ? "yyyy-MM-dd" : "yyyy-MM";
        return rows.GroupBy(r => (Period: calendar.Local(r.PaidAt).ToString(format, System.Globalization.CultureInfo.InvariantCulture), r.Currency))
            .OrderBy(g => g.Key.Period, StringComparer.Ordinal).ThenBy(g => g.Key.Currency, StringComparer.Ordinal)
            .Select(g => new PeriodTotal(g.Key.Period, g.Key.Currency, g.Sum(r => r.Gross), g.Sum(r => r.Refunded), g.Sum(r => r.Net), g.Count(), g.Sum(r => r.LostToDispute)))
            .ToList();
    }

    /// <summary>Totals per currency.</summary>
    public async Task<IReadOnlyList<CurrencyTotal>> ByCurrencyAsync(DateTime? from, DateTime? to, CancellationToken cancellationToken)
    {
        var rows = await Counted(from, to).GroupBy(f => f.Currency)
            .Select(g => new { Currency = g.Key, Gross = g.Sum(f => f.Gross), Refunded = g.Sum(f => f.Refunded), Lost = g.Sum(f => f.LostToDispute), Count = g.Count() })
            .ToListAsync(cancellationToken);
        return rows.OrderBy(r => r.Currency, StringComparer.Ordinal)
            .Select(r => new CurrencyTotal(r.Currency, r.Gross, r.Refunded, r.Gross - r.Refunded - r.Lost, r.Count, r.Lost)).ToList();
    }

    /// <summary>
    /// Recurring monthly revenue per currency: active plans, each at its amount per month (a yearly one as a twelfth, a
    /// quarterly one as a third). Summed per interval first and divided once, so rounding loses at most a minor unit per
    /// kind of interval.
    /// </summary>
    public async Task<IReadOnlyList<MoneyAmount>> MonthlyRecurringRevenueAsync(CancellationToken cancellationToken)
    {
        var plans = await db.Set<RecurringPlan>().AsNoTracking().Where(p => p.Status == RecurringPlanStatus.Active)
            .GroupBy(p => new { p.Currency, p.Interval, p.IntervalCount })
            .Select(g => new { g.Key.Currency, g.Key.Interval, g.Key.IntervalCount, Amount = g.Sum(p => p.Amount) })
            .ToListAsync(cancellationToken);
        return plans.GroupBy(p => p.Currency).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new MoneyAmount(g.Key, g.Sum(p => PerMonth(p.Amount, p.Interval, p.IntervalCount))))
            .ToList();
    }

    /// <summary>An amount paid every <paramref name="count"/> <paramref name="interval"/>s, per month (Stripe's intervals: day, week, month, year).</summary>
    public static long PerMonth(long amount, string interval, int count)
    {
        var (perYear, months) = interval switch { "day" => (365L, 12L), "week" => (52L, 12L), "year" => (1L, 12L), _ => (1L, 1L) };
        return (long)((decimal)amount * perYear / (months * Math.Max(count, 1)));
    }

    /// <summary>Distinct donors who gave in the range: by email, or by name for gifts without one.</summary>
    public async Task<int> DonorCountAsync(DateTime? from, DateTime? to, CancellationToken cancellationToken)
    {
        var byEmail = await Counted(from, to).Where(d => d.DonorEmailKey != null).Select(d => d.DonorEmailKey).Distinct().CountAsync(cancellationToken);
        var byName = await Counted(from, to).Where(d => d.DonorEmailKey == null && d.DonorName != null).Select(d => d.DonorName).Distinct().CountAsync(cancellationToken);
        return byEmail + byName;
    }

    /// <summary>The donors who gave the most (net, per currency) in the range; gifts without an email are not ranked.</summary>
    public async Task<IReadOnlyList<Supporter>> TopSupportersAsync(DateTime? from, DateTime? to, int limit, CancellationToken cancellationToken)
    {
        var rows = await Counted(from, to).Where(d => d.DonorEmailKey != null)
            .GroupBy(d => new { d.DonorEmailKey, d.Currency })
            .Select(g => new { g.Key.DonorEmailKey, g.Key.Currency, Net = g.Sum(d => d.Gross - d.Refunded - d.LostToDispute), Gifts = g.Count(), Name = g.Max(d => d.DonorName) })
            .OrderByDescending(r => r.Net).ThenBy(r => r.DonorEmailKey).Take(Math.Clamp(limit, 1, 100))
            .ToListAsync(cancellationToken);
        return rows.Select(r => new Supporter(r.DonorEmailKey!, r.Name, r.Currency, r.Net, r.Gifts)).ToList();
    }

    private IQueryable<DonationFigures> Counted(DateTime? from, DateTime? to)
    {
        var query = db.Set<Donation>().AsNoTracking().Where(d => d.Outcome == PaymentOutcome.Paid && d.PaidAt != null);
        if (from is { } start) query = query.Where(d => d.PaidAt >= start);
        if (to is { } end) query = query.Where(d => d.PaidAt < end);
        return query.Select(DonationFigures.Of);
    }
}

public enum TotalsPeriod
{
    Day,
    Month,
}

/// <summary>Money per period and currency, in minor units. Net = gross - refunded - lost to disputes.</summary>
public sealed record PeriodTotal(string Period, string Currency, long Gross, long Refunded, long Net, int Count, long LostToDisputes);

public sealed record CurrencyTotal(string Currency, long Gross, long Refunded, long Net, int Count, long LostToDisputes);

public sealed record MoneyAmount(string Currency, long Amount);

public sealed record Supporter(string Email, string? Name, string Currency, long Net, int Gifts);
