using System.ComponentModel.DataAnnotations;

namespace Newsletter.Donations;

/// <summary>What the donate page offers, and how webhook processing retries.</summary>
public sealed class DonationOptions
{
    public const string Section = "Donations";

    /// <summary>Preset amounts on the donate page, in minor units.</summary>
    public List<long> PresetAmounts { get; set; } = [500, 1000, 2500, 5000];

    /// <summary>The smallest gift accepted, in minor units (Stripe needs about 0.50 in most currencies).</summary>
    [Range(50, long.MaxValue)]
    public long MinAmount { get; set; } = 100;

    /// <summary>The largest gift accepted through the page, in minor units.</summary>
    [Range(50, 99_999_999)]
    public long MaxAmount { get; set; } = 1_000_000;

    /// <summary>Currencies offered, lower-case ISO 4217 codes; the first is the default.</summary>
    [MinLength(1)]
    public List<string> Currencies { get; set; } = ["usd"];

    /// <summary>Attempts at applying one webhook event before it is marked Failed for staff.</summary>
    [Range(1, 50)]
    public int WebhookMaxAttempts { get; set; } = 8;

    /// <summary>The delay before the second attempt; it doubles after each failure.</summary>
    public TimeSpan WebhookRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a stored Stripe event is kept. Applied events keep only ids and amounts from the start; after this they
    /// are deleted (failed ones keep their row for staff, with the payload cut to ids and amounts). Longer than
    /// Stripe's three days of redelivery, so a repeated event is still recognised.
    /// </summary>
    [Range(typeof(TimeSpan), "7.00:00:00", "3650.00:00:00")]
    public TimeSpan WebhookEventRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>The largest offline-gift CSV import accepted, in bytes.</summary>
    [Range(1024, long.MaxValue)]
    public long MaxImportBytes { get; set; } = 50L * 1024 * 1024;

    /// <summary>The default currency: the first configured one.</summary>
    public string DefaultCurrency => Currencies.Count > 0 ? Currencies[0].ToLowerInvariant() : "usd";
}
