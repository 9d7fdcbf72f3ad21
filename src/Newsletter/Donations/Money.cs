using System.Globalization;

namespace Newsletter.Donations;

/// <summary>
/// Amounts are integers in a currency's minor units, as Stripe counts them: cents for USD (2 decimals), whole yen for
/// JPY (0), thousandths for KWD (3). This turns them into words and back; every page, email, PDF and CSV goes through it.
/// </summary>
public static class Money
{
    // Stripe's zero-decimal currencies: their amounts are already whole units.
    private static readonly HashSet<string> ZeroDecimal = new(StringComparer.OrdinalIgnoreCase)
    {
        "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "vnd", "vuv", "xaf", "xof", "xpf",
    };

    // Stripe's three-decimal currencies: amounts in thousandths, and the last digit must be 0.
    private static readonly HashSet<string> ThreeDecimal = new(StringComparer.OrdinalIgnoreCase) { "bhd", "jod", "kwd", "omr", "tnd" };

    // Stripe's special cases (ISK and UGX sent as two-decimal amounts divisible by 100; HUF and TWD divisible by 100):
    // refused at start-up rather than half right.
    private static readonly Dictionary<string, string> Special = new(StringComparer.OrdinalIgnoreCase)
    {
        ["isk"] = "Stripe wants ISK as a two-decimal amount divisible by 100",
        ["ugx"] = "Stripe wants UGX as a two-decimal amount divisible by 100",
        ["huf"] = "Stripe only pays out HUF amounts divisible by 100",
        ["twd"] = "Stripe only pays out TWD amounts divisible by 100",
    };

    /// <summary>Digits after the decimal point: 0 (JPY), 2 (USD) or 3 (KWD).</summary>
    public static int Decimals(string currency) => ZeroDecimal.Contains(currency) ? 0 : ThreeDecimal.Contains(currency) ? 3 : 2;

    /// <summary>How many minor units one major unit has (100 for USD, 1 for JPY, 1000 for KWD).</summary>
    public static int MinorPerMajor(string currency) => Decimals(currency) switch { 0 => 1, 3 => 1000, _ => 100 };

    /// <summary>Stripe takes three-decimal amounts only in steps of 10 minor units (25.120 KWD, never 25.125).</summary>
    public static int StripeStep(string currency) => Decimals(currency) == 3 ? 10 : 1;

    /// <summary>Why this service cannot take <paramref name="currency"/> through Stripe, or null when it can.</summary>
    public static string? Unsupported(string currency) => Special.GetValueOrDefault(currency);

    /// <summary>"25.00 USD", "500 JPY", "25.000 KWD".</summary>
    public static string Format(long amount, string currency) => $"{Major(amount, currency)} {currency.ToUpperInvariant()}";

    /// <summary>
    /// "25.00 USD" for a reader in English, "25,00 USD" in German: the decimal mark of the reader's language, no
    /// grouping, the currency's code after the number.
    /// </summary>
    public static string Format(long amount, string currency, Localization.ReaderWords words)
    {
        var mark = Localization.ReaderLanguages.Culture(words.Language).NumberFormat.NumberDecimalSeparator;
        return $"{Major(amount, currency).Replace(".", mark, StringComparison.Ordinal)} {currency.ToUpperInvariant()}";
    }

    /// <summary>The amount in major units as digits only ("25.00", "500", "25.000"): CSV and form fields.</summary>
    public static string Major(long amount, string currency)
    {
        var decimals = Decimals(currency);
        return (amount / (decimal)MinorPerMajor(currency)).ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Parses what a person types ("25", "25.5", "25.50", and with <paramref name="language"/> German also "25,50") into
    /// minor units; false for anything else (too many decimals, thousands separators). A point is a decimal point in
    /// every language.
    /// </summary>
    public static bool TryParseMajor(string? input, string currency, out long amount, string? language = null)
    {
        amount = 0;
        if (string.IsNullOrWhiteSpace(input) || input.Length > 20) return false;
        var culture = Localization.ReaderLanguages.Culture(language);
        if (!(decimal.TryParse(input.Trim(), NumberStyles.AllowDecimalPoint, culture, out var major)
              || decimal.TryParse(input.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out major)) || major <= 0) return false;
        var minor = major * MinorPerMajor(currency);
        if (minor != decimal.Truncate(minor) || minor > long.MaxValue / 2) return false;
        amount = (long)minor;
        return true;
    }
}
