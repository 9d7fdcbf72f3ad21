using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;
using Newsletter.Data;
using Newsletter.Email;
using Newsletter.Links;
using Newsletter.Localization;

namespace Newsletter.Donations;

/// <summary>
/// The thank-you receipt for one paid donation (Stripe, or offline when staff asked for one), built from the donation's
/// current row when the outbox sends it, in the wording of Donations:Receipts. A Stripe gift's receipt links to the
/// donor's own page (Billing Portal, statements). A donation refunded or disputed before the send, or a donor erased, gets nothing;
/// one partly refunded is receipted for what was kept.
/// It speaks the donor's language (<see cref="DonorLanguage"/>).
/// </summary>
public sealed class DonationReceiptComposer(NewsletterDb db, EmailRenderer renderer, MessageFactory messages, DonorLinks donorLinks, ReceiptWording wording,
    DonationCalendar calendar, DonorLanguage donorLanguage, ReaderText text, IOptions<SiteOptions> site) : ITransactionalEmailComposer
{
    public string Kind => DonationLedger.ReceiptKind;

    public async Task<MimeMessage?> ComposeAsync(TransactionalEmail email, CancellationToken cancellationToken)
    {
        var donation = await db.Set<Donation>().AsNoTracking().SingleOrDefaultAsync(d => d.Id == email.SubjectId, cancellationToken);
        if (donation?.DonorEmail is null || donation.DonorEmailKey is null || donation.Status is not (DonationStatus.Paid or DonationStatus.PartiallyRefunded)) return null;
        var campaign = donation.CampaignId is { } campaignId ? await db.Set<Campaign>().AsNoTracking().SingleOrDefaultAsync(c => c.Id == campaignId, cancellationToken) : null;
        var offline = donation.Kind == DonationKind.Offline;
        var words = text.In(await donorLanguage.ForEmailAsync(donation.DonorEmailKey, cancellationToken));
        // What the donor gave and kept given: part refunded before the receipt went out, the receipt (with its tax
        // wording) states the rest, as the annual statement does (the same figures).
        var figures = DonationFigures.For(donation);
        var model = new Dictionary<string, object?>
        {
            ["language"] = words.Language,
            ["name"] = donation.DonorName,
            ["amount"] = Money.Format(figures.Net, donation.Currency, words),
            ["covered_fee"] = figures.CoveredFeeInNet > 0 ? Money.Format(figures.CoveredFeeInNet, donation.Currency, words) : null,
            ["date"] = calendar.LongDate(donation.PaidAt ?? donation.CreatedAt, words),
            ["monthly"] = donation.Kind == DonationKind.Recurring,
            ["offline_source"] = offline ? donation.Source : null,
            ["message"] = donation.Message,
            ["campaign"] = campaign?.Name,
            ["campaign_thanks"] = campaign?.ThankYouText,
            ["reference"] = "D-" + donation.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["manage_url"] = offline ? null : donorLinks.Manage(await donorLinks.AccessAsync(donation.DonorEmailKey, cancellationToken)),
        };
        wording.AddTo(model);
        var (html, plain) = await renderer.RenderAsync("receipt", model);
        return messages.Create(donation.DonorEmail, donation.DonorName, words["Receipt.Subject", site.Value.Name], html, plain);
    }
}
