using System.Diagnostics.CodeAnalysis;
using Newsletter.Email;
using Newsletter.Localization;

namespace Newsletter.Donations;

/// <summary>
/// A donor's choice, checked: amount in the currency's range and in Stripe's steps, a currency we offer, once or monthly,
/// optional details, the campaign it is for and the card fee the donor chose to cover.
/// </summary>
public sealed record CheckoutRequest(long Amount, string Currency, string Interval, string? Name, EmailAddress? Email, string? Message,
    Campaign? Campaign = null, long CoveredFee = 0, string Language = ReaderLanguages.English)
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
    /// while it runs. Errors are keyed by field, in plain words of <paramref name="words"/>'s language, which the
    /// request keeps (the page Stripe sends the donor back to speaks it too).
    /// </summary>
    public static bool TryCreate(DonationOptions options, Campaign? campaign, CampaignState? campaignState, string? amount, string? customAmount, string? currency,
        string? interval, string? name, string? email, string? message, string? coverFees, ReaderWords words, [NotNullWhen(true)] out CheckoutRequest? request, out Dictionary<string, string[]> errors)
    {
        errors = [];
        request = null;
        var asked = string.IsNullOrWhiteSpace(currency) ? null : currency.Trim().ToLowerInvariant();
        var chosenCurrency = asked ?? campaign?.Currency ?? options.DefaultCurrency;
        if (!options.Currencies.Contains(chosenCurrency, StringComparer.OrdinalIgnoreCase))
            errors["currency"] = [words["Checkout.Currency", string.Join(", ", options.Currencies.Select(c => c.ToUpperInvariant()))]];
        else if (campaign is not null && chosenCurrency != campaign.Currency)
            errors["currency"] = [words["Checkout.CampaignCurrency", campaign.Name, campaign.Currency.ToUpperInvariant()]];
        if (campaign is not null && campaignState != CampaignState.Running)
            errors["campaign"] = [campaignState == CampaignState.Upcoming
                ? words["Checkout.CampaignStarts", campaign.Name, campaign.StartsOn.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)]
                : words["Checkout.CampaignEnded", campaign.Name, campaign.EndsOn.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)]];
        var limits = options.AmountsFor(chosenCurrency);
        long minor = 0;
        var amountOk = !string.IsNullOrWhiteSpace(customAmount)
            ? Money.TryParseMajor(customAmount, chosenCurrency, out minor, words.Language)
            : long.TryParse(amount, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out minor);
        if (!amountOk)
            errors["amount"] = [words["Checkout.AmountMissing"]];
        else if (minor < limits.MinAmount || minor > limits.MaxAmount)
            errors["amount"] = [words["Checkout.AmountRange", Money.Format(limits.MinAmount, chosenCurrency, words), Money.Format(limits.MaxAmount, chosenCurrency, words)]];
        else if (minor % Money.StripeStep(chosenCurrency) != 0)
            errors["amount"] = [words["Checkout.AmountStep", chosenCurrency.ToUpperInvariant(), Money.Format(Money.StripeStep(chosenCurrency), chosenCurrency, words)]];
        var chosenInterval = (interval ?? "once").Trim().ToLowerInvariant() switch
        {
            "" or "once" or "one-time" or "onetime" => "once",
            "month" or "monthly" => "month",
            _ => null,
        };
        if (chosenInterval is null) errors["interval"] = [words["Checkout.Interval"]];
        var cleanName = string.IsNullOrWhiteSpace(name) ? null : name.Trim();
        if (cleanName is not null && (cleanName.Length > MaxNameLength || HeaderText.ContainsControlCharacters(cleanName)))
            errors["name"] = [words["Checkout.Name", MaxNameLength]];
        EmailAddress? address = null;
        if (!string.IsNullOrWhiteSpace(email) && !EmailAddress.TryParse(email, words, out address, out var emailError))
            errors["email"] = [emailError];
        var cleanMessage = string.IsNullOrWhiteSpace(message) ? null : message.Trim().ReplaceLineEndings(" ");
        if (cleanMessage is not null && (cleanMessage.Length > MaxMessageLength || HeaderText.ContainsControlCharacters(cleanMessage)))
            errors["message"] = [words["Checkout.Message", MaxMessageLength]];
        var cover = coverFees?.Trim().ToLowerInvariant() is "on" or "true" or "1" or "yes";
        var fee = cover && errors.Count == 0 ? options.FeeCover.FeeFor(minor, chosenCurrency) : 0;
        if (minor + fee > StripeMaxAmount) errors["amount"] = [words["Checkout.AmountMax", Money.Format(StripeMaxAmount - fee, chosenCurrency, words)]];
        if (errors.Count > 0) return false;
        request = new CheckoutRequest(minor, chosenCurrency, chosenInterval!, cleanName, address, cleanMessage, campaign, fee, words.Language);
        return true;
    }
}
