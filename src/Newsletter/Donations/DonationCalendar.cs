using Microsoft.Extensions.Options;

namespace Newsletter.Donations;

/// <summary>
/// The publisher's calendar (<see cref="DonationOptions.TimeZone"/>): which year, month and day a gift belongs to. Money
/// is stored with UTC times; every "this year", "this month" and printed date goes through here, so a gift at 20:00 on
/// 31 December in New York is in that year's statement.
/// </summary>
public sealed class DonationCalendar(IOptions<DonationOptions> options, TimeProvider clock)
{
    public TimeZoneInfo Zone { get; } = TimeZoneInfo.FindSystemTimeZoneById(options.Value.TimeZone);

    /// <summary>The local date and time of a UTC instant.</summary>
    public DateTime Local(DateTime utc) => TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), Zone);

    /// <summary>The UTC instant at which a local date starts (the first valid local time on a day that skips midnight).</summary>
    public DateTime StartOfDayUtc(DateOnly day)
    {
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        while (Zone.IsInvalidTime(local)) local = local.AddMinutes(15);
        return TimeZoneInfo.ConvertTimeToUtc(local, Zone);
    }

    /// <summary>A local wall-clock time (or date) as UTC; times given with an offset or as UTC are kept as they are.</summary>
    public DateTime ToUtc(DateTime value) => value.Kind switch
    {
        DateTimeKind.Utc => value,
        DateTimeKind.Local => value.ToUniversalTime(),
        _ when value.TimeOfDay == TimeSpan.Zero => StartOfDayUtc(DateOnly.FromDateTime(value)),
        _ => TimeZoneInfo.ConvertTimeToUtc(Zone.IsInvalidTime(value) ? value.AddHours(1) : value, Zone),
    };

    /// <summary>Today in the publisher's zone.</summary>
    public DateOnly Today => DateOnly.FromDateTime(Local(clock.GetUtcNow().UtcDateTime));

    /// <summary>[start, end) in UTC of a local calendar year.</summary>
    public (DateTime From, DateTime To) Year(int year) => (StartOfDayUtc(new DateOnly(year, 1, 1)), StartOfDayUtc(new DateOnly(year + 1, 1, 1)));

    /// <summary>[start, end) in UTC of the local month that contains <paramref name="day"/>.</summary>
    public (DateTime From, DateTime To) Month(DateOnly day)
    {
        var first = new DateOnly(day.Year, day.Month, 1);
        return (StartOfDayUtc(first), StartOfDayUtc(first.AddMonths(1)));
    }

    /// <summary>[start, end) in UTC of the local days from <paramref name="first"/> to <paramref name="last"/>, both included.</summary>
    public (DateTime From, DateTime To) Days(DateOnly first, DateOnly last) => (StartOfDayUtc(first), StartOfDayUtc(last.AddDays(1)));

    /// <summary>The local calendar year of a UTC instant.</summary>
    public int YearOf(DateTime utc) => Local(utc).Year;

    /// <summary>"2026-03-01": the local date of a UTC instant.</summary>
    public string Date(DateTime utc) => Local(utc).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>"1 March 2026", "1. März 2026": the local date as receipts write it, in the reader's language (<c>Date.Long</c> of the reader texts).</summary>
    public string LongDate(DateTime utc, Localization.ReaderWords words) => Local(utc).ToString(words["Date.Long"], Localization.ReaderLanguages.Culture(words.Language));
}
