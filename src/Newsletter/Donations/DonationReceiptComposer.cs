using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;
using Newsletter.Data;
using Newsletter.Email;
using Newsletter.Links;

namespace Newsletter.Donations;

/// <summary>
/// The thank-you receipt for one paid donation, built from the donation's current row when the outbox sends it.
/// A donation refunded or disputed before the send, or a donor erased, gets nothing.
/// </summary>
public sealed class DonationReceiptComposer(NewsletterDb db, EmailRenderer renderer, MessageFactory messages, IOptions<SiteOptions> site) : ITransactionalEmailComposer
{
    public string Kind => DonationLedger.ReceiptKind;

    public async Task<MimeMessage?> ComposeAsync(TransactionalEmail email, CancellationToken cancellationToken)
    {
        var donation = await db.Set<Donation>().AsNoTracking().SingleOrDefaultAsync(d => d.Id == email.SubjectId, cancellationToken);
        if (donation?.DonorEmail is null || donation.Status is not (DonationStatus.Paid or DonationStatus.PartiallyRefunded)) return null;
        var (html, text) = await renderer.RenderAsync("receipt", new Dictionary<string, object?>
        {
            ["name"] = donation.DonorName,
            ["amount"] = Money.Format(donation.Amount, donation.Currency),
            ["date"] = (donation.PaidAt ?? donation.CreatedAt).ToString("d MMMM yyyy", System.Globalization.CultureInfo.InvariantCulture),
            ["monthly"] = donation.Kind == DonationKind.Recurring,
            ["message"] = donation.Message,
            ["reference"] = "D-" + donation.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        return messages.Create(donation.DonorEmail, donation.DonorName, $"Thank you for supporting {site.Value.Name}", html, text);
    }
}
