using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Newsletter.Donations;

namespace Newsletter.Tests.Donations;

/// <summary>The money rules that need no host: currency classes, the start-up checks, the fee formula, the same-second plan rule.</summary>
public sealed class MoneyRulesTests
{
    [Theory]
    [InlineData("usd", "25", 2500L, "25.00 USD")]
    [InlineData("jpy", "2500", 2500L, "2500 JPY")]
    [InlineData("kwd", "25", 25000L, "25.000 KWD")]
    [InlineData("bhd", "1.5", 1500L, "1.500 BHD")]
    public void Each_currency_class_parses_and_prints_in_its_own_minor_units(string currency, string typed, long minor, string printed)
    {
        Assert.True(Money.TryParseMajor(typed, currency, out var parsed));
        Assert.Equal(minor, parsed);
        Assert.Equal(printed, Money.Format(minor, currency));
    }

    [Fact]
    public void Too_many_decimals_for_the_currency_are_refused()
    {
        Assert.False(Money.TryParseMajor("25.5", "jpy", out _));
        Assert.False(Money.TryParseMajor("25.1234", "kwd", out _));
        Assert.False(Money.TryParseMajor("25.123", "usd", out _));
    }

    [Fact]
    public void A_German_reader_may_type_a_decimal_comma_and_reads_one_while_English_keeps_refusing_a_comma()
    {
        Assert.True(Money.TryParseMajor("12,50", "usd", out var german, "de"));
        Assert.Equal(1250L, german);
        Assert.True(Money.TryParseMajor("12.50", "usd", out var point, "de"));
        Assert.Equal(1250L, point);
        // "1,000" is a thousand to an English reader: refused rather than read as one.
        Assert.False(Money.TryParseMajor("1,000", "usd", out _, "en"));
        Assert.False(Money.TryParseMajor("12,50", "usd", out _));
        Assert.False(Money.TryParseMajor("12,505", "usd", out _, "de"));
        var text = Newsletter.Localization.ReaderText.CreateDefault();
        Assert.Equal("1234,50 USD", Money.Format(123450, "usd", text.In("de")));
        Assert.Equal("1234.50 USD", Money.Format(123450, "usd", text.In("en")));
        Assert.Equal("25,000 KWD", Money.Format(25000, "kwd", text.In("de")));
    }

    [Fact]
    public void A_mixed_currency_list_without_own_amounts_a_special_case_currency_and_a_bad_time_zone_are_refused_with_one_clear_line_each()
    {
        var failures = Validate(new() { Currencies = ["usd", "jpy"] });
        Assert.Equal(["Donations:Currencies mixes USD (2 decimals) and JPY (0); set Donations:Amounts:jpy:PresetAmounts, MinAmount and MaxAmount in JPY's own minor units."], failures);
        Assert.Contains(Validate(new() { Currencies = ["usd", "isk"] }), f => f.StartsWith("Donations:Currencies: ISK is not supported", StringComparison.Ordinal));
        Assert.Equal(["Donations:TimeZone 'Mars/Olympus' is not a known time zone; use an IANA id such as America/New_York."], Validate(new() { TimeZone = "Mars/Olympus" }));
        var kwd = new DonationOptions { Currencies = ["kwd"], PresetAmounts = [5000, 10005], MinAmount = 1000, MaxAmount = 100000 };
        Assert.Contains(Validate(kwd), f => f.Contains("multiples of 10 for KWD", StringComparison.Ordinal));
        Assert.Empty(Validate(new() { Currencies = ["usd", "eur"] }));
        var own = new DonationOptions { Currencies = ["usd", "jpy", "kwd"], TimeZone = "America/New_York" };
        own.Amounts["jpy"] = new CurrencyAmounts { PresetAmounts = [500, 1000], MinAmount = 100, MaxAmount = 100000 };
        own.Amounts["kwd"] = new CurrencyAmounts { PresetAmounts = [5000], MinAmount = 1000, MaxAmount = 100000 };
        Assert.Empty(Validate(own));
    }

    [Fact]
    public void A_configured_currency_list_replaces_the_default_rather_than_adding_to_it()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new("Donations:Currencies:0", "jpy"), new("Donations:PresetAmounts:0", "700")]).Build();
        var options = configuration.GetSection("Donations").Get<DonationOptions>()!.ApplyDefaults();
        Assert.Equal(["jpy"], options.Currencies);
        Assert.Equal([700L], options.PresetAmounts);
        Assert.Equal(["usd"], new DonationOptions().ApplyDefaults().Currencies);
        Assert.Equal([500L, 1000, 2500, 5000], new DonationOptions().ApplyDefaults().PresetAmounts);
    }

    [Theory]
    [InlineData(2500L, "usd", 106L)]
    [InlineData(1000L, "usd", 61L)]
    [InlineData(1000L, "jpy", 30L)]
    [InlineData(25000L, "kwd", 750L)]
    public void The_covered_fee_makes_the_whole_gift_arrive_after_percent_and_fixed_fees(long gift, string currency, long fee)
    {
        var cover = new FeeCoverOptions { Percent = 2.9m };
        cover.FixedAmounts["usd"] = 30;
        Assert.Equal(fee, cover.FeeFor(gift, currency));
        var gross = gift + fee;
        var arrives = gross - (long)Math.Ceiling(gross * 0.029m) - cover.FixedFor(currency);
        Assert.True(arrives >= gift, $"{gross} leaves {arrives} after fees, less than the gift {gift}");
    }

    private static List<string> Validate(DonationOptions options)
    {
        var result = new DonationOptionsValidator().Validate(null, options);
        return result.Succeeded ? [] : result.Failures!.ToList();
    }
}
