using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;
using Newsletter.Data;
using Newsletter.Email;
using Newsletter.Links;
using Newsletter.Localization;

namespace Newsletter.Donations;

/// <summary>
/// The email a donor asked for at <c>/donate/manage</c>: a signed link to their own page, in the donor's language
/// (<see cref="DonorLanguage"/>). Nothing when the donor was erased meanwhile.
/// </summary>
public sealed class ManageLinkComposer(NewsletterDb db, DonorLinks donorLinks, EmailRenderer renderer, MessageFactory messages, IOptions<SiteOptions> site,
    IOptions<DonationOptions> options, DonorLanguage donorLanguage, ReaderText text) : ITransactionalEmailComposer
{
    public string Kind => DonorPortal.ManageLinkKind;

    public async Task<MimeMessage?> ComposeAsync(TransactionalEmail email, CancellationToken cancellationToken)
    {
        var access = await db.Set<DonorAccess>().AsNoTracking().SingleOrDefaultAsync(a => a.Id == email.SubjectId, cancellationToken);
        if (access is null || !EmailAddress.TryParse(email.Recipient, out var recipient, out _) || recipient.Key != access.EmailKey) return null;
        var words = text.In(await donorLanguage.ForEmailAsync(access.EmailKey, cancellationToken));
        var (html, plain) = await renderer.RenderAsync("manage-link", new Dictionary<string, object?>
        {
            ["language"] = words.Language,
            ["manage_url"] = donorLinks.Manage(access),
            ["valid_days"] = (int)Math.Ceiling(options.Value.ManageLinkLifetime.TotalDays),
        });
        return messages.Create(recipient.Address, null, words["ManageLink.Subject", site.Value.Name], html, plain);
    }
}
