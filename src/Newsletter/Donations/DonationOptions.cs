using System.ComponentModel.DataAnnotations;

namespace Newsletter.Donations;

/// <summary>What the donate page offers, how money is counted and thanked, and how webhook processing retries.</summary>
public sealed class DonationOptions
{
    public const string Section = "Donations";

    /// <summary>Preset amounts on the donate page, in minor units of the first currency (and of any with the same decimals).</summary>
    /// <remarks>Empty until bound: the configuration binder adds to a list it finds filled, so defaults come from <see cref="ApplyDefaults"/>.</remarks>
    public List<long> PresetAmounts { get; set; } = [];

    /// <summary>The smallest gift accepted, in minor units (Stripe needs about 0.50 in most currencies).</summary>
    [Range(50, long.MaxValue)]
    public long MinAmount { get; set; } = 100;

    /// <summary>The largest gift accepted through the page, in minor units.</summary>
    [Range(50, 99_999_999)]
    public long MaxAmount { get; set; } = 1_000_000;

    /// <summary>Currencies offered, lower-case ISO 4217 codes; the first is the default.</summary>
    [MinLength(1)]
    public List<string> Currencies { get; set; } = [];

    /// <summary>
    /// Presets and limits of a currency in its own minor units (<c>Donations:Amounts:jpy:PresetAmounts</c>). Required for
    /// a currency whose decimals differ from the first one's (500 means 5.00 USD but 500 JPY).
    /// </summary>
    public Dictionary<string, CurrencyAmounts> Amounts { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// The IANA time zone of the publisher's books: annual statements, monthly totals, "this month", campaign dates and
    /// the dates printed on receipts. A gift at 20:00 on 31 December in New York belongs to that year.
    /// </summary>
    [Required]
    public string TimeZone { get; set; } = "Etc/UTC";

    /// <summary>Stripe Payment Links (plink_...) made in Stripe's dashboard whose payments are donations.</summary>
    public List<string> PaymentLinks { get; set; } = [];

    /// <summary>True when the Stripe account takes nothing but donations: every Checkout payment on it is recorded.</summary>
    public bool StripeAccountIsDonationsOnly { get; set; }

    /// <summary>The optional "cover the card fees" box and whether covered fees count toward campaign goals.</summary>
    public FeeCoverOptions FeeCover { get; set; } = new();

    /// <summary>Receipt wording: organisation, tax id, tax statement.</summary>
    public ReceiptOptions Receipts { get; set; } = new();

    /// <summary>How long a donor's signed manage link (in receipts and on request) and statement link stay valid.</summary>
    public TimeSpan ManageLinkLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>The Stripe Billing Portal configuration (bpc_...) to open; empty uses the account's default one.</summary>
    [RegularExpression("^bpc_[A-Za-z0-9]+$")]
    public string? PortalConfiguration { get; set; }

    /// <summary>Attempts at applying one webhook event before it is marked Failed for staff.</summary>
    [Range(1, 50)]
    public int WebhookMaxAttempts { get; set; } = 8;

    /// <summary>The delay before the second attempt; it doubles after each failure.</summary>
    public TimeSpan WebhookRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The retries of a Stripe event that failed to apply (at most six hours apart).</summary>
    public Jobs.RetryPolicy WebhookRetry => new(WebhookMaxAttempts, WebhookRetryDelay, TimeSpan.FromHours(6));

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

    /// <summary>
    /// Fills lists the configuration left empty (usd; 5, 10, 25 and 50 of it). Run after binding: had the defaults been
    /// in the initialisers, <c>Donations:Currencies:0=jpy</c> would have given usd and jpy.
    /// </summary>
    public DonationOptions ApplyDefaults()
    {
        if (Currencies.Count == 0) Currencies.Add("usd");
        if (PresetAmounts.Count == 0) PresetAmounts.AddRange([500, 1000, 2500, 5000]);
        return this;
    }

    /// <summary>The default currency: the first configured one.</summary>
    public string DefaultCurrency => Currencies.Count > 0 ? Currencies[0].ToLowerInvariant() : "usd";

    /// <summary>Presets and limits for <paramref name="currency"/>, in its minor units.</summary>
    public CurrencyAmounts AmountsFor(string currency) =>
        Amounts.TryGetValue(currency, out var own) ? own : new CurrencyAmounts { PresetAmounts = PresetAmounts, MinAmount = MinAmount, MaxAmount = MaxAmount };
}

/// <summary>One currency's presets and limits, in its own minor units.</summary>
public sealed class CurrencyAmounts
{
    public List<long> PresetAmounts { get; set; } = [];

    [Range(1, long.MaxValue)]
    public long MinAmount { get; set; } = 1;

    [Range(1, 99_999_999)]
    public long MaxAmount { get; set; } = 99_999_999;
}

/// <summary>Receipt and statement wording, so they can be filed: who received the gift and what the law asks to say.</summary>
public sealed class ReceiptOptions
{
    /// <summary>The organisation named on receipts; empty uses Site:Name.</summary>
    [StringLength(200)]
    public string? OrganisationName { get; set; }

    /// <summary>The organisation's tax id (EIN, charity number), printed on receipts and statements.</summary>
    [StringLength(100)]
    public string? TaxId { get; set; }

    /// <summary>A sentence such as "No goods or services were provided in exchange for this gift."</summary>
    [StringLength(1000)]
    public string? TaxStatement { get; set; }
}
