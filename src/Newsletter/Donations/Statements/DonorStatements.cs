using Microsoft.EntityFrameworkCore;
using Newsletter.Data;
using Newsletter.Localization;

namespace Newsletter.Donations;

/// <summary>
/// A donor's annual statement: every gift that arrived in the year (in Donations:TimeZone), Stripe and offline, net of
/// refunds and lost disputes, with totals per currency. Gifts whose money all went back are left out. The same
/// document is emailed (body and PDF attachment) and downloaded through a signed link, in the donor's language.
/// </summary>
public sealed class DonorStatements(NewsletterDb db, DonationCalendar calendar, ReceiptWording wording, ReaderText text)
{
    /// <param name="language">The reader language its words are in (<see cref="DonorLanguage"/>).</param>
    public async Task<StatementDocument?> BuildAsync(string emailKey, int year, string language, CancellationToken cancellationToken)
    {
        var words = text.In(language);
        var (from, to) = calendar.Year(year);
        var gifts = await db.Set<Donation>().AsNoTracking()
            .Where(d => d.DonorEmailKey == emailKey && d.Outcome == PaymentOutcome.Paid && d.PaidAt >= from && d.PaidAt < to)
            .OrderBy(d => d.PaidAt).ThenBy(d => d.Id).ToListAsync(cancellationToken);
        if (gifts.Count == 0) return null;
        var campaignIds = gifts.Where(g => g.CampaignId != null).Select(g => g.CampaignId!.Value).Distinct().ToList();
        var campaigns = await db.Set<Campaign>().AsNoTracking().Where(c => campaignIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.Name, cancellationToken);
        var lines = gifts.Select(g => (Gift: g, Figures: DonationFigures.For(g))).Where(x => x.Figures.Net > 0).Select(x => new StatementLine(
            calendar.Date(x.Gift.PaidAt!.Value),
            Describe(x.Gift, campaigns, words),
            x.Figures.Net,
            x.Gift.Currency,
            x.Figures.Refunded > 0 ? words["Statement.PartlyRefunded"] : null,
            "D-" + x.Gift.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();
        if (lines.Count == 0) return null;
        var totals = lines.GroupBy(l => l.Currency).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => new MoneyAmount(g.Key, g.Sum(l => l.Amount))).ToList();
        return new StatementDocument(year, gifts.Select(g => g.DonorName).LastOrDefault(n => n is not null), gifts.Select(g => g.DonorEmail).LastOrDefault(e => e is not null),
            lines, totals, calendar.Today.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), words.Language);
    }

    /// <summary>The statement as a PDF file.</summary>
    public byte[] Pdf(StatementDocument statement) => StatementPdf.Render(statement, wording, text.In(statement.Language));

    private static string Describe(Donation gift, Dictionary<long, string> campaigns, ReaderWords words)
    {
        var kind = gift.Kind switch
        {
            DonationKind.Recurring => words["Statement.Kind.Monthly"], DonationKind.Offline => words["Statement.Kind.Offline", gift.Source], _ => words["Statement.Kind.OneTime"],
        };
        return gift.CampaignId is { } id && campaigns.TryGetValue(id, out var name) ? $"{kind}, {name}" : kind;
    }
}

/// <summary>What a statement says: the year, the donor, each gift (net) and the totals per currency.</summary>
public sealed record StatementDocument(int Year, string? DonorName, string? DonorEmail, IReadOnlyList<StatementLine> Gifts, IReadOnlyList<MoneyAmount> Totals, string IssuedOn,
    string Language);

/// <summary>One gift on a statement: local date, what it was, net amount in minor units, a note, our reference.</summary>
public sealed record StatementLine(string Date, string Description, long Amount, string Currency, string? Note, string Reference);
