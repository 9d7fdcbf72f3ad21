namespace Newsletter.Links;

/// <summary>The key that signs links in emails (confirm, preferences, unsubscribe).</summary>
public sealed class SigningKeyOptions
{
    public const string Section = "Security";

    /// <summary>
    /// Base64 of at least 32 random bytes. Required in production (SQL Server), where every worker must sign alike;
    /// on the embedded default it is generated once and kept in <c>{DataDirectory}/signing-key</c>.
    /// </summary>
    public string? SigningKey { get; set; }
}
