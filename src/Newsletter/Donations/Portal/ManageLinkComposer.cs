using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;
using Newsletter.Data;
using Newsletter.Email;
using Newsletter.Links;

namespace Newsletter.Donations;

/// <summary>The email a donor asked for at <c>/donate/manage</c>: a signed link to their own page. Nothing when the donor was erased meanwhile.</summary>
public sealed class ManageLinkComposer(NewsletterDb db, DonorLinks donorLinks, EmailRenderer renderer, MessageFactory messages, IOptions<SiteOptions> site,
    IOptions<DonationOptions> options) : ITransactionalEmailComposer
{
    public string Kind => DonorPortal.ManageLinkKind;

    public async Task<MimeMessage?> ComposeAsync(TransactionalEmail email, CancellationToken cancellationToken)
    {
        var access = await db.Set<DonorAccess>().AsNoTracking().SingleOrDefaultAsync(a => a.Id == email.SubjectId, cancellationToken);
        if (access is null || !EmailAddress.TryParse(email.Recipient, out var recipient, out _) || recipient.Key != access.EmailKey) return null;
        var (html, text) = await renderer.RenderAsync("manage-link", new Dictionary<string, object?>
        {
            ["manage_url"] = donorLinks.Manage(access),
            ["valid_days"] = (int)Math.Ceiling(options.Value.ManageLinkLifetime.TotalDays),
        });
        return messages.Create(recipient.Address, null, $"Your gifts to {site.Value.Name}", html, text);
    }
}
