using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Newsletter.Data;
using Newsletter.Links;

namespace Newsletter.Donations;

/// <summary>
/// Signed links to a donor's own page (<c>/donate/manage/{token}</c>) and statements
/// (<c>/donate/statements/{token}/{year}.pdf</c>), valid for Donations:ManageLinkLifetime. Whoever holds the link can
/// open the donor's Stripe Billing Portal, as with Stripe's own emailed portal links.
/// </summary>
public sealed class DonorLinks(NewsletterDb db, LinkTokens tokens, SiteLinks links, IOptions<DonationOptions> options, TimeProvider clock)
{
    /// <summary>The donor's access row for an address key, made the first time it is needed.</summary>
    public async Task<DonorAccess> AccessAsync(string emailKey, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var access = await db.Set<DonorAccess>().AsNoTracking().SingleOrDefaultAsync(a => a.EmailKey == emailKey, cancellationToken);
            if (access is not null) return access;
            access = new DonorAccess { EmailKey = emailKey, CreatedAt = clock.GetUtcNow().UtcDateTime };
            db.Add(access);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                db.Entry(access).State = EntityState.Detached;
                return access;
            }
            catch (DbUpdateException) when (attempt < 3)
            {
                // Made by another request at the same moment: the unique address key decides, read theirs.
                db.ChangeTracker.Clear();
            }
        }
    }

    /// <summary>The access row a valid token names; the check says why not otherwise.</summary>
    public async Task<(DonorAccess? Access, LinkTokenStatus Status)> CheckAsync(string? token, CancellationToken cancellationToken)
    {
        var check = tokens.Check(token, LinkPurpose.DonorManage);
        if (!check.IsValid) return (null, check.Status);
        var access = await db.Set<DonorAccess>().AsNoTracking().SingleOrDefaultAsync(a => a.PublicId == check.Subject, cancellationToken);
        return (access, access is null ? LinkTokenStatus.Invalid : LinkTokenStatus.Valid);
    }

    public string Token(DonorAccess access) => tokens.Create(LinkPurpose.DonorManage, access.PublicId, clock.GetUtcNow().UtcDateTime + options.Value.ManageLinkLifetime);

    public string Manage(DonorAccess access) => links.Absolute("donate/manage/" + Token(access));

    public string Statement(DonorAccess access, int year) => links.Absolute($"donate/statements/{Token(access)}/{year}.pdf");
}
