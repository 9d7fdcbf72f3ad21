using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Newsletter.Data;

/// <summary>Stores DateTime as UTC and reads it back marked as UTC, so comparisons and JSON are unambiguous.</summary>
public sealed class UtcDateTimeConverter() : ValueConverter<DateTime, DateTime>(
    v => v.Kind == DateTimeKind.Utc ? v : v.ToUniversalTime(),
    v => DateTime.SpecifyKind(v, DateTimeKind.Utc));
