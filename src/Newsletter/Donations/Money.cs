using System.Globalization;

namespace Newsletter.Donations;

/// <summary>Amounts are integers in a currency's minor units (cents); this turns them into words and back.</summary>
public static class Money
{
    // Stripe's zero-decimal currencies: their amounts are already whole units.
    private static readonly HashSet<string> ZeroDecimal = new(StringComparer.OrdinalIgnoreCase)
    {
        "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf",
    };

    /// <summary>How many minor units one major unit has (100 for USD, 1 for JPY).</summary>
    public static int MinorPerMajor(string currency) => ZeroDecimal.Contains(currency) ? 1 : 100;

    /// <summary>"25.00 USD", "500 JPY".</summary>
    public static string Format(long amount, string currency)
    {
        var factor = MinorPerMajor(currency);
        var major = factor == 1 ? amount.ToString(CultureInfo.InvariantCulture) : (amount / (decimal)factor).ToString("0.00", CultureInfo.InvariantCulture);
        return $"{major} {currency.ToUpperInvariant()}";
    }

    /// <summary>Parses what a person types ("25", "25.5", "25.50") into minor units; false for anything else.</summary>
    public static bool TryParseMajor(string? input, string currency, out long amount)
    {
        amount = 0;
        if (string.IsNullOrWhiteSpace(input) || input.Length > 20) return false;
        if (!decimal.TryParse(input.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var major) || major <= 0) return false;
        var minor = major * MinorPerMajor(currency);
        if (minor != decimal.Truncate(minor) || minor > long.MaxValue / 2) return false;
        amount = (long)minor;
        return true;
    }
}
