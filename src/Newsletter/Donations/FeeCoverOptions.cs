using System.ComponentModel.DataAnnotations;

namespace Newsletter.Donations;

/// <summary>
/// The optional "add X to cover the card fees" box. The fee is what makes the whole gift arrive after the card
/// processor takes <see cref="Percent"/> plus a fixed amount: fee = ceil((gift + fixed) / (1 - percent/100)) - gift.
/// </summary>
public sealed class FeeCoverOptions
{
    /// <summary>The processor's percentage (2.9 for 2.9%); 0 with no fixed amounts turns the box off.</summary>
    [Range(0, 20)]
    public decimal Percent { get; set; }

    /// <summary>The processor's fixed fee per payment in each currency's minor units (<c>usd: 30</c>).</summary>
    public Dictionary<string, long> FixedAmounts { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether the covered fees count toward campaign goals (off: a goal is what reaches the cause).</summary>
    public bool CountTowardGoals { get; set; }

    /// <summary>The box is shown.</summary>
    public bool Offered => Percent > 0 || FixedAmounts.Values.Any(v => v > 0);

    /// <summary>The fixed part for <paramref name="currency"/>, in its minor units.</summary>
    public long FixedFor(string currency) => FixedAmounts.GetValueOrDefault(currency);

    /// <summary>The fee that covers the processor's cut of <paramref name="gift"/>, rounded up (to Stripe's step for 3-decimal currencies).</summary>
    public long FeeFor(long gift, string currency)
    {
        if (!Offered || gift <= 0) return 0;
        var gross = (gift + FixedFor(currency)) / (1m - Percent / 100m);
        var fee = (long)decimal.Ceiling(gross) - gift;
        var step = Money.StripeStep(currency);
        return (fee + step - 1) / step * step;
    }

    /// <summary>"2.9% + 0.30 USD" as the page shows it ("2,9 % + 0,30 USD" in German).</summary>
    public string Describe(string currency, Localization.ReaderWords words)
    {
        var culture = Localization.ReaderLanguages.Culture(words.Language);
        var parts = new List<string>();
        if (Percent > 0) parts.Add(words["Number.Percent", Percent.ToString("0.##", culture)]);
        if (FixedFor(currency) > 0) parts.Add(Money.Format(FixedFor(currency), currency, words));
        return string.Join(" + ", parts);
    }
}
