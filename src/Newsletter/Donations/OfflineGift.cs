using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Newsletter.Email;

namespace Newsletter.Donations;

/// <summary>A gift made elsewhere (PayPal, Venmo, Patreon, cheque), checked: a known shape, a positive amount, a source.</summary>
public sealed record OfflineGift(DateTime Date, long Amount, string Currency, string? Name, EmailAddress? Email, string Source, string? Reference, string? Message)
{
    /// <summary>
    /// Checks raw values; <paramref name="amount"/> is in major units ("25.00") as a spreadsheet has it, and
    /// <paramref name="date"/> is yyyy-MM-dd or an ISO 8601 time, in the publisher's calendar (Donations:TimeZone) unless it
    /// carries an offset or Z, so a cheque dated 1 January is in that year's statement. Errors are in plain words.
    /// </summary>
    /// <summary>
    /// The largest gift recorded by hand, in minor units (about ten billion in a two-decimal currency): far above any
    /// real gift, and low enough that millions of them still sum inside the totals' 64-bit arithmetic.
    /// </summary>
    public const long MaxAmount = 999_999_999_999;

    public static bool TryCreate(DonationCalendar calendar, string? date, string? amount, string? currency, string? name, string? email, string? source, string? reference, string? message,
        bool referenceRequired, [NotNullWhen(true)] out OfflineGift? gift, out List<string> errors)
    {
        errors = [];
        gift = null;
        var when = default(DateTime);
        if (!DateTime.TryParse(date, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed))
            errors.Add("date must be a date like 2026-03-01.");
        else when = calendar.ToUtc(parsed);
        var code = currency?.Trim().ToLowerInvariant() ?? string.Empty;
        if (code.Length != 3 || !code.All(char.IsAsciiLetterLower)) errors.Add("currency must be a three-letter code like USD.");
        long minor = 0;
        if (errors.Count == 0 && !Money.TryParseMajor(amount, code, out minor)) errors.Add("amount must be a positive number like 25.00.");
        else if (minor > MaxAmount) errors.Add($"amount must be at most {Money.Format(MaxAmount, code)}.");
        var cleanSource = source?.Trim().ToLowerInvariant() ?? string.Empty;
        if (cleanSource.Length is 0 or > 40 || !cleanSource.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            errors.Add("source must name where the gift was made (paypal, venmo, patreon, cheque...), up to 40 letters.");
        else if (cleanSource == "stripe") errors.Add("Stripe gifts are recorded from Stripe's own events, not by hand.");
        var cleanReference = string.IsNullOrWhiteSpace(reference) ? null : reference.Trim();
        if (cleanReference is null && referenceRequired) errors.Add("reference is required (the source's id of the payment), so an import never counts a gift twice.");
        if (cleanReference is { Length: > 200 } || (cleanReference is not null && HeaderText.ContainsControlCharacters(cleanReference)))
            errors.Add("reference must be at most 200 characters on one line.");
        var cleanName = string.IsNullOrWhiteSpace(name) ? null : name.Trim();
        if (cleanName is not null && (cleanName.Length > CheckoutRequest.MaxNameLength || HeaderText.ContainsControlCharacters(cleanName)))
            errors.Add($"name must be at most {CheckoutRequest.MaxNameLength} characters on one line.");
        EmailAddress? address = null;
        if (!string.IsNullOrWhiteSpace(email) && !EmailAddress.TryParse(email, out address, out var emailError)) errors.Add(emailError);
        var cleanMessage = string.IsNullOrWhiteSpace(message) ? null : message.Trim();
        if (cleanMessage is { Length: > CheckoutRequest.MaxMessageLength } || cleanMessage?.Contains('\0') == true)
            errors.Add($"message must be at most {CheckoutRequest.MaxMessageLength} characters, without NUL characters.");
        if (errors.Count > 0) return false;
        gift = new OfflineGift(DateTime.SpecifyKind(when, DateTimeKind.Utc), minor, code, cleanName, address, cleanSource, cleanReference, cleanMessage);
        return true;
    }
}
