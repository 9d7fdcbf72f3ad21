using Microsoft.Extensions.Options;

namespace Newsletter.Donations;

/// <summary>
/// Start-up checks of <see cref="DonationOptions"/> that span fields: the time zone resolves, every currency is one
/// whose amounts are right everywhere (input, Stripe, display, totals) or the host stops with one line saying why.
/// </summary>
public sealed class DonationOptionsValidator : IValidateOptions<DonationOptions>
{
    public ValidateOptionsResult Validate(string? name, DonationOptions options)
    {
        var failures = new List<string>();
        try
        {
            TimeZoneInfo.FindSystemTimeZoneById(options.TimeZone);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            failures.Add($"Donations:TimeZone '{options.TimeZone}' is not a known time zone; use an IANA id such as America/New_York.");
        }
        if (options.Currencies.Any(c => c.Length != 3 || !c.All(char.IsAsciiLetter)))
        {
            failures.Add("Donations:Currencies must be three-letter codes like usd.");
            return ValidateOptionsResult.Fail(failures);
        }
        var first = options.DefaultCurrency;
        foreach (var currency in options.Currencies.Select(c => c.ToLowerInvariant()))
        {
            if (Money.Unsupported(currency) is { } why)
            {
                failures.Add($"Donations:Currencies: {currency.ToUpperInvariant()} is not supported ({why}); remove it.");
                continue;
            }
            var own = options.Amounts.ContainsKey(currency);
            if (!own && Money.Decimals(currency) != Money.Decimals(first))
            {
                failures.Add($"Donations:Currencies mixes {first.ToUpperInvariant()} ({Money.Decimals(first)} decimals) and {currency.ToUpperInvariant()} "
                    + $"({Money.Decimals(currency)}); set Donations:Amounts:{currency}:PresetAmounts, MinAmount and MaxAmount in {currency.ToUpperInvariant()}'s own minor units.");
                continue;
            }
            var amounts = options.AmountsFor(currency);
            var key = own ? $"Donations:Amounts:{currency}:" : "Donations:";
            if (amounts.MinAmount < 1 || amounts.MaxAmount > 99_999_999 || amounts.MinAmount > amounts.MaxAmount)
                failures.Add($"{key}MinAmount must be at least 1 and not above {key}MaxAmount (at most 99999999).");
            else if (amounts.PresetAmounts.Any(p => p < amounts.MinAmount || p > amounts.MaxAmount))
                failures.Add($"{key}PresetAmounts must lie between MinAmount and MaxAmount.");
            var step = Money.StripeStep(currency);
            if (amounts.PresetAmounts.Append(amounts.MinAmount).Append(amounts.MaxAmount).Any(a => a % step != 0))
                failures.Add($"{key}PresetAmounts, MinAmount and MaxAmount must be multiples of {step} for {currency.ToUpperInvariant()} "
                    + $"(Stripe takes {Money.Decimals(currency)}-decimal amounts to two decimals: 25.000 {currency.ToUpperInvariant()} is 25000).");
        }
        foreach (var unused in options.Amounts.Keys.Where(k => !options.Currencies.Contains(k, StringComparer.OrdinalIgnoreCase)))
            failures.Add($"Donations:Amounts:{unused} names a currency that is not in Donations:Currencies.");
        if (options.PaymentLinks.Any(l => !l.StartsWith("plink_", StringComparison.Ordinal) || l.Length > 255))
            failures.Add("Donations:PaymentLinks must be Stripe Payment Link ids (plink_...).");
        if (options.FeeCover.FixedAmounts.Any(f => f.Value < 0 || f.Value > 100_000))
            failures.Add("Donations:FeeCover:FixedAmounts must be between 0 and 100000 minor units.");
        if (options.ManageLinkLifetime < TimeSpan.FromMinutes(10) || options.ManageLinkLifetime > TimeSpan.FromDays(3650))
            failures.Add("Donations:ManageLinkLifetime must be between 10 minutes and 10 years.");
        if (options.WebhookRetryDelay <= TimeSpan.Zero) failures.Add("Donations:WebhookRetryDelay must be positive.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
