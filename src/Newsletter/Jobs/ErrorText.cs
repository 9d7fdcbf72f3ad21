namespace Newsletter.Jobs;

/// <summary>
/// The error text a work table keeps (outbox, deliveries, Stripe events, feeds): one line of at most
/// <see cref="MaxLength"/> characters, the width of every such column.
/// </summary>
public static class ErrorText
{
    public const int MaxLength = 1000;

    public static string Truncate(string value) => value.Length <= MaxLength ? value : value[..MaxLength];

    public static string? TruncateOrNull(string? value) => value is null ? null : Truncate(value);
}
