namespace Newsletter.Jobs;

/// <summary>
/// The error text a work table keeps (outbox, deliveries, Stripe events, feeds): one line of at most
/// <see cref="MaxLength"/> characters, the width of every such column.
/// </summary>
public static partial class ErrorText
{
    public const int MaxLength = 1000;

    public static string Truncate(string value) => value.Length <= MaxLength ? value : value[..MaxLength];

    public static string? TruncateOrNull(string? value) => value is null ? null : Truncate(value);

    /// <summary>
    /// The text with every email address in it replaced by "(address)", for the log: a relay's reply often names the
    /// recipient ("550 5.1.1 &lt;ann@example.org&gt;: Recipient address rejected"), and logs outlive a reader's erasure.
    /// The row that keeps the reply names its recipient anyway, and is erased with them.
    /// </summary>
    public static string WithoutAddresses(string value) => Address().Replace(value, "(address)");

    // Linear: no nested quantifiers, and a reply is at most a few hundred characters.
    [System.Text.RegularExpressions.GeneratedRegex(@"[^\s<>()\[\],;:""']+@[^\s<>()\[\],;:""']+")]
    private static partial System.Text.RegularExpressions.Regex Address();
}
