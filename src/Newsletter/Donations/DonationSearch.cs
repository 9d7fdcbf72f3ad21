using Microsoft.EntityFrameworkCore;
using Newsletter.Data;

namespace Newsletter.Donations;

/// <summary>
/// The one donation search, used by the admin API and the dashboard's Donations page: filters, newest first, keyset
/// pages below a cursor. Also the recurring plans, newest first. Reads only.
/// </summary>
public sealed class DonationSearch(NewsletterDb db)
{
    /// <summary>A page of donations, newest first; <see cref="DonationListPage.Next"/> is set when the page is full.</summary>
    public async Task<DonationListPage> FindAsync(DonationFilter filter, int take, CancellationToken cancellationToken)
    {
        var query = db.Set<Donation>().AsNoTracking();
        if (filter.Before is { } last) query = query.Where(d => d.Id < last);
        if (filter.Status is { } status) query = query.Where(d => d.Status == status);
        if (filter.Kind is { } kind) query = query.Where(d => d.Kind == kind);
        var source = filter.Source?.Trim().ToLowerInvariant();
        if (!string.IsNullOrEmpty(source)) query = query.Where(d => d.Source == source);
        var currency = filter.Currency?.Trim().ToLowerInvariant();
        if (!string.IsNullOrEmpty(currency)) query = query.Where(d => d.Currency == currency);
        var email = filter.Email?.Trim();
        if (!string.IsNullOrEmpty(email)) query = query.Where(d => d.DonorEmailKey != null && d.DonorEmailKey.StartsWith(email));
        // A gift counts on the day it was paid (offline and pending ones: when recorded).
        if (filter.From is { } start) query = query.Where(d => (d.PaidAt ?? d.CreatedAt) >= start);
        if (filter.To is { } end) query = query.Where(d => (d.PaidAt ?? d.CreatedAt) < end);
        var items = await query.OrderByDescending(d => d.Id).Take(take).ToListAsync(cancellationToken);
        return new DonationListPage(items, items.Count == take ? items[^1].Id : null);
    }

    /// <summary>The latest <paramref name="take"/> recurring plans, newest first.</summary>
    public async Task<IReadOnlyList<RecurringPlan>> RecentPlansAsync(int take, CancellationToken cancellationToken) =>
        await db.Set<RecurringPlan>().AsNoTracking().OrderByDescending(p => p.Id).Take(take).ToListAsync(cancellationToken);

    /// <summary>A status as staff write it ("partially-refunded", any case).</summary>
    public static bool TryStatus(string value, out DonationStatus status) => TryName(value, out status);

    /// <summary>A kind as staff write it ("one-time", any case).</summary>
    public static bool TryKind(string value, out DonationKind kind) => TryName(value, out kind);

    private static bool TryName<T>(string value, out T parsed) where T : struct, Enum =>
        Enum.TryParse(value.Replace("-", string.Empty, StringComparison.Ordinal), ignoreCase: true, out parsed) && Enum.IsDefined(parsed);
}

/// <summary>
/// What to look for; every part is optional. <see cref="From"/> and <see cref="To"/> are UTC (to exclusive);
/// <see cref="Email"/> matches the start of the donor's address; <see cref="Before"/> is the keyset cursor.
/// </summary>
public sealed record DonationFilter(
    DonationStatus? Status = null,
    DonationKind? Kind = null,
    string? Source = null,
    string? Currency = null,
    string? Email = null,
    DateTime? From = null,
    DateTime? To = null,
    long? Before = null);

/// <summary>One page of donations; <see cref="Next"/> is the cursor of the next page, or null on the last.</summary>
public sealed record DonationListPage(IReadOnlyList<Donation> Items, long? Next);
