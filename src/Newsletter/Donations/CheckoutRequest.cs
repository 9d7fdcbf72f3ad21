using System.Diagnostics.CodeAnalysis;
using Newsletter.Email;

namespace Newsletter.Donations;

/// <summary>A donor's choice, checked: amount in range, a currency we offer, once or monthly, optional details.</summary>
public sealed record CheckoutRequest(long Amount, string Currency, string Interval, string? Name, EmailAddress? Email, string? Message)
{
    public const int MaxMessageLength = 255;
    public const int MaxNameLength = 200;

    /// <summary>"once" or "month".</summary>
    public bool IsMonthly => Interval == "month";

    /// <summary>
    /// Checks raw input. <paramref name="amount"/> is in minor units (links), <paramref name="customAmount"/> in major
    /// units as typed on the page; a custom amount wins. Errors are keyed by field, in plain words.
    /// </summary>
    public static bool TryCreate(DonationOptions options, string? amount, string? customAmount, string? currency, string? interval,
        string? name, string? email, string? message, [NotNullWhen(true)] out CheckoutRequest? request, out Dictionary<string, string[]> errors)
    {
        errors = [];
        request = null;
        var chosenCurrency = string.IsNullOrWhiteSpace(currency) ? options.DefaultCurrency : currency.Trim().ToLowerInvariant();
        if (!options.Currencies.Contains(chosenCurrency, StringComparer.OrdinalIgnoreCase))
            errors["currency"] = [$"We accept {string.Join(", ", options.Currencies.Select(c => c.ToUpperInvariant()))}."];
        long minor = 0;
        var amountOk = !string.IsNullOrWhiteSpace(customAmount)
            ? Money.TryParseMajor(customAmount, chosenCurrency, out minor)
            : long.TryParse(amount, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out minor);
        if (!amountOk)
            errors["amount"] = ["Please choose an amount."];
        else if (minor < options.MinAmount || minor > options.MaxAmount)
            errors["amount"] = [$"The amount must be between {Money.Format(options.MinAmount, chosenCurrency)} and {Money.Format(options.MaxAmount, chosenCurrency)}."];
        var chosenInterval = (interval ?? "once").Trim().ToLowerInvariant() switch
        {
            "" or "once" or "one-time" or "onetime" => "once",
            "month" or "monthly" => "month",
            _ => null,
        };
        if (chosenInterval is null) errors["interval"] = ["Choose once or monthly."];
        var cleanName = string.IsNullOrWhiteSpace(name) ? null : name.Trim();
        if (cleanName is not null && (cleanName.Length > MaxNameLength || HeaderText.ContainsControlCharacters(cleanName)))
            errors["name"] = [$"The name must be at most {MaxNameLength} characters on one line."];
        EmailAddress? address = null;
        if (!string.IsNullOrWhiteSpace(email) && !EmailAddress.TryParse(email, out address, out var emailError))
            errors["email"] = [emailError];
        var cleanMessage = string.IsNullOrWhiteSpace(message) ? null : message.Trim().ReplaceLineEndings(" ");
        if (cleanMessage is not null && (cleanMessage.Length > MaxMessageLength || HeaderText.ContainsControlCharacters(cleanMessage)))
            errors["message"] = [$"The message must be at most {MaxMessageLength} characters."];
        if (errors.Count > 0) return false;
        request = new CheckoutRequest(minor, chosenCurrency, chosenInterval!, cleanName, address, cleanMessage);
        return true;
    }
}
