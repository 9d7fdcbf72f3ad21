using System.Diagnostics.CodeAnalysis;
using Newsletter.Email;

namespace Newsletter.Donations;

/// <summary>
/// A donor's choice, checked: amount in the currency's range and in Stripe's steps, a currency we offer, once or monthly,
/// optional details, the campaign it is for and the card fee the donor chose to cover.
/// </summary>
public sealed record CheckoutRequest(long Amount, string Currency, string Interval, string? Name, EmailAddress? Email, string? Message,
    Campaign? Campaign = null, long CoveredFee = 0)
{
    public const int MaxMessageLength = 255;
    public const int MaxNameLength = 200;

    /// <summary>Stripe's largest amount for one payment, in minor units.</summary>
    public const long StripeMaxAmount = 99_999_999;

    /// <summary>"once" or "month".</summary>
    public bool IsMonthly => Interval == "month";

    /// <summary>What Stripe charges: the gift and the covered fee.</summary>
    public long Total => Amount + CoveredFee;

    /// <summary>
    /// Checks raw input. <paramref name="amount"/> is in minor units (links), <paramref name="customAmount"/> in major
    /// units as typed on the page; a custom amount wins. A gift for a campaign is in the campaign's currency and only
    /// while it runs. Errors are keyed by field, in plain words.
    /// </summary>
    public static bool TryCreate(DonationOptions options, Campaign? campaign, CampaignState? campaignState, string? amount, string? customAmount, string? currency,
        string? interval, string? name, string? email, string? message, string? coverFees, [NotNullWhen(true)] out CheckoutRequest? request, out Dictionary<string, string[]> errors)
    {
        errors = [];
        request = null;
        var asked = string.IsNullOrWhiteSpace(currency) ? null : currency.Trim().ToLowerInvariant();
        var chosenCurrency = asked ?? campaign?.Currency ?? options.DefaultCurrency;
        if (!options.Currencies.Contains(chosenCurrency, StringComparer.OrdinalIgnoreCase))
            errors["currency"] = [$"We accept {string.Join(", ", options.Currencies.Select(c => c.ToUpperInvariant()))}."];
        else if (campaign is not null && chosenCurrency != campaign.Currency)
            errors["currency"] = [$"{campaign.Name} collects in {campaign.Currency.ToUpperInvariant()}."];
        if (campaign is not null && campaignState != CampaignState.Running)
            errors["campaign"] = [campaignState == CampaignState.Upcoming
                ? $"{campaign.Name} starts on {campaign.StartsOn:yyyy-MM-dd}."
                : $"{campaign.Name} ended on {campaign.EndsOn:yyyy-MM-dd}; thank you, you can still give to our general work."];
        var limits = options.AmountsFor(chosenCurrency);
        long minor = 0;
        var amountOk = !string.IsNullOrWhiteSpace(customAmount)
            ? Money.TryParseMajor(customAmount, chosenCurrency, out minor)
            : long.TryParse(amount, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out minor);
        if (!amountOk)
            errors["amount"] = ["Please choose an amount."];
        else if (minor < limits.MinAmount || minor > limits.MaxAmount)
            errors["amount"] = [$"The amount must be between {Money.Format(limits.MinAmount, chosenCurrency)} and {Money.Format(limits.MaxAmount, chosenCurrency)}."];
        else if (minor % Money.StripeStep(chosenCurrency) != 0)
            errors["amount"] = [$"{chosenCurrency.ToUpperInvariant()} amounts go in steps of {Money.Format(Money.StripeStep(chosenCurrency), chosenCurrency)}."];
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
        var cover = coverFees?.Trim().ToLowerInvariant() is "on" or "true" or "1" or "yes";
        var fee = cover && errors.Count == 0 ? options.FeeCover.FeeFor(minor, chosenCurrency) : 0;
        if (minor + fee > StripeMaxAmount) errors["amount"] = [$"The amount must be at most {Money.Format(StripeMaxAmount - fee, chosenCurrency)}."];
        if (errors.Count > 0) return false;
        request = new CheckoutRequest(minor, chosenCurrency, chosenInterval!, cleanName, address, cleanMessage, campaign, fee);
        return true;
    }
}
