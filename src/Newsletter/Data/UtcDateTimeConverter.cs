using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Newsletter.Data;

/// <summary>
/// The one rule for time in the database: every DateTime is stored as UTC and read back marked as UTC, so comparisons
/// and JSON are unambiguous on every provider. PostgreSQL (Npgsql) maps DateTime to <c>timestamp with time zone</c>
/// and refuses any DateTime whose Kind is not Utc; SQLite stores text and would silently mix zones. Applied to every
/// DateTime property by <see cref="NewsletterDb"/>'s conventions; raw SQL and bulk paths call <see cref="ToUtc"/>.
/// </summary>
public sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(v => ToUtc(v), v => DateTime.SpecifyKind(v, DateTimeKind.Utc))
{
    /// <summary>Local times are converted; an unspecified time is taken to be UTC already (ours always are).</summary>
    public static DateTime ToUtc(DateTime value) => value.Kind switch
    {
        DateTimeKind.Utc => value,
        DateTimeKind.Local => value.ToUniversalTime(),
        _ => DateTime.SpecifyKind(value, DateTimeKind.Utc),
    };

    public static DateTime? ToUtc(DateTime? value) => value is { } v ? ToUtc(v) : null;
}
