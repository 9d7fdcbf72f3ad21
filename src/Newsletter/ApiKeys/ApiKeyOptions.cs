namespace Newsletter.ApiKeys;

/// <summary>The key from settings, and how many wrong keys a client may send before it must wait.</summary>
public sealed class ApiKeyOptions
{
    public const string Section = "Security";

    public const int MinimumKeyLength = 32;

    /// <summary>
    /// One key with every /api scope, from settings (Security:StaffApiKey), for deployments that script the API without
    /// the dashboard. At least <see cref="MinimumKeyLength"/> characters. Empty: only keys made on the dashboard work.
    /// </summary>
    public string? StaffApiKey { get; set; }

    /// <summary>Wrong keys one client address may present per minute; past that every key it sends is refused (429) until the minute ends.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 10_000)]
    public int ApiKeyFailuresPerMinute { get; set; } = 10;
}
