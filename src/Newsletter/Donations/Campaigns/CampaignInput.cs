using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Newsletter.Donations;

/// <summary>A campaign as staff typed it, checked: a slug for links, a name, a positive goal in a currency we take, dates in order.</summary>
public sealed partial record CampaignInput(string Slug, string Name, long GoalAmount, string Currency, DateOnly StartsOn, DateOnly EndsOn, string? ThankYouText)
{
    public const int MaxThankYouLength = 1000;

    /// <summary>
    /// The dates a campaign may have: a campaign's window runs to the end of its last day in the donations' time zone,
    /// which a date at the edge of the calendar (9999-12-31) has no room for.
    /// </summary>
    public static readonly DateOnly EarliestDate = new(2000, 1, 1), LatestDate = new(9000, 12, 31);

    /// <summary>Checks raw values; <paramref name="goal"/> is in major units ("5000.00") as staff type it. Errors are in plain words.</summary>
    public static bool TryCreate(DonationOptions options, string? slug, string? name, string? goal, string? currency, string? startsOn, string? endsOn, string? thankYou,
        [NotNullWhen(true)] out CampaignInput? input, out List<string> errors)
    {
        errors = [];
        input = null;
        var cleanSlug = slug?.Trim().ToLowerInvariant() ?? string.Empty;
        if (!SlugPattern().IsMatch(cleanSlug)) errors.Add("slug must be 1 to 60 lower-case letters, digits or hyphens, like spring-2026.");
        var cleanName = name?.Trim() ?? string.Empty;
        if (cleanName.Length is 0 or > 200 || Email.HeaderText.ContainsControlCharacters(cleanName)) errors.Add("name must be 1 to 200 characters on one line.");
        var code = currency?.Trim().ToLowerInvariant() ?? string.Empty;
        if (!options.Currencies.Contains(code, StringComparer.OrdinalIgnoreCase))
            errors.Add($"currency must be one the donate page offers: {string.Join(", ", options.Currencies.Select(c => c.ToUpperInvariant()))}.");
        long minor = 0;
        if (errors.All(e => !e.StartsWith("currency", StringComparison.Ordinal)) && (!Money.TryParseMajor(goal, code, out minor) || minor > 99_999_999_999))
            errors.Add("goal must be a positive amount like 5000.00.");
        var startOk = DateOnly.TryParseExact(startsOn?.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var start);
        var endOk = DateOnly.TryParseExact(endsOn?.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var end);
        if (!startOk || !endOk) errors.Add("start and end must be dates like 2026-03-01.");
        else if (start < EarliestDate || end > LatestDate) errors.Add($"start and end must be between {EarliestDate:yyyy-MM-dd} and {LatestDate:yyyy-MM-dd}.");
        else if (end < start) errors.Add("the end date must not be before the start date.");
        var cleanThanks = string.IsNullOrWhiteSpace(thankYou) ? null : thankYou.Trim();
        if (cleanThanks is { Length: > MaxThankYouLength }) errors.Add($"the thank-you text must be at most {MaxThankYouLength} characters.");
        if (errors.Count > 0) return false;
        input = new CampaignInput(cleanSlug, cleanName, minor, code, start, end, cleanThanks);
        return true;
    }

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")]
    private static partial Regex SlugPattern();
}
