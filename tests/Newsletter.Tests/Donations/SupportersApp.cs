using Microsoft.Extensions.DependencyInjection;
using Newsletter.Links;

namespace Newsletter.Tests.Donations;

/// <summary>
/// The service as a publisher in New York would run it: USD, EUR, JPY (zero decimals) and KWD (three) with their own
/// amounts, a listed Payment Link, the "cover the fees" box (2.9% + 0.30 USD) and receipt wording for the tax office.
/// </summary>
public class SupportersApp : DonationsApp
{
    public const string ListedLink = "plink_1ListedDonations";
    public const string Organisation = "Test Review Foundation";
    public const string TaxId = "EIN 12-3456789";
    public const string TaxStatement = "No goods or services were provided in exchange for this gift.";

    protected override IEnumerable<KeyValuePair<string, string?>> Settings => base.Settings.Concat(
    [
        new("Donations:Currencies:2", "jpy"),
        new("Donations:Currencies:3", "kwd"),
        new("Donations:Amounts:jpy:PresetAmounts:0", "1000"),
        new("Donations:Amounts:jpy:PresetAmounts:1", "3000"),
        new("Donations:Amounts:jpy:MinAmount", "100"),
        new("Donations:Amounts:jpy:MaxAmount", "1000000"),
        new("Donations:Amounts:kwd:PresetAmounts:0", "5000"),
        new("Donations:Amounts:kwd:MinAmount", "1000"),
        new("Donations:Amounts:kwd:MaxAmount", "1000000"),
        new("Donations:TimeZone", "America/New_York"),
        new("Donations:PaymentLinks:0", ListedLink),
        new("Donations:FeeCover:Percent", "2.9"),
        new("Donations:FeeCover:FixedAmounts:usd", "30"),
        new("Donations:Receipts:OrganisationName", Organisation),
        new("Donations:Receipts:TaxId", TaxId),
        new("Donations:Receipts:TaxStatement", TaxStatement),
    ]);

    /// <summary>A signed manage link for an address, as a receipt would carry (the token part only).</summary>
    public async Task<string> ManageTokenAsync(string emailKey)
    {
        await using var scope = Services.CreateAsyncScope();
        var links = scope.ServiceProvider.GetRequiredService<Newsletter.Donations.DonorLinks>();
        return links.Token(await links.AccessAsync(emailKey, CancellationToken.None));
    }

    /// <summary>The link tokens of this host, to make tokens a receipt never would (expired ones).</summary>
    public LinkTokens Tokens => Services.GetRequiredService<LinkTokens>();
}
