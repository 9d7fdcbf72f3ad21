using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;
using Newsletter.Data;
using Newsletter.Email;
using Newsletter.Links;

namespace Newsletter.Donations;

/// <summary>
/// A donor's annual statement: every gift of the year (Stripe and offline) and the totals per currency, net of
/// refunds. The outbox row carries the year as its subject and the donor's address as recipient.
/// </summary>
public sealed class DonationStatementComposer(NewsletterDb db, EmailRenderer renderer, MessageFactory messages, IOptions<SiteOptions> site) : ITransactionalEmailComposer
{
    /// <summary>The <see cref="TransactionalEmail.Kind"/> of an annual statement.</summary>
    public const string StatementKind = "donation.statement";

    public string Kind => StatementKind;

    public async Task<MimeMessage?> ComposeAsync(TransactionalEmail email, CancellationToken cancellationToken)
    {
        if (!EmailAddress.TryParse(email.Recipient, out var recipient, out _)) return null;
        var year = (int)email.SubjectId;
        var (from, to) = (new DateTime(year, 1, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(year + 1, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var gifts = await db.Set<Donation>().AsNoTracking()
            .Where(d => d.DonorEmailKey == recipient.Key && d.Outcome == PaymentOutcome.Paid && d.PaidAt >= from && d.PaidAt < to)
            .OrderBy(d => d.PaidAt).ToListAsync(cancellationToken);
        if (gifts.Count == 0) return null;
        var name = gifts.Select(g => g.DonorName).LastOrDefault(n => n is not null);
        var (html, text) = await renderer.RenderAsync("statement", new Dictionary<string, object?>
        {
            ["name"] = name,
            ["year"] = year,
            ["gifts"] = gifts.Select(g => new Dictionary<string, object?>
            {
                ["date"] = g.PaidAt!.Value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                ["amount"] = Money.Format(g.Amount - g.AmountRefunded, g.Currency),
                ["kind"] = g.Kind switch { DonationKind.Recurring => "monthly", DonationKind.Offline => g.Source, _ => "one-time" },
                ["refunded"] = g.AmountRefunded > 0,
            }).ToList(),
            ["totals"] = gifts.GroupBy(g => g.Currency).OrderBy(g => g.Key)
                .Select(g => Money.Format(g.Sum(d => d.Amount - d.AmountRefunded), g.Key)).ToList(),
        });
        return messages.Create(recipient.Address, name, $"Your {year} donations to {site.Value.Name}", html, text);
    }
}
