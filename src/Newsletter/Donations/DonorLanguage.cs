using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Newsletter.Data;
using Newsletter.Links;
using Newsletter.Localization;
using Newsletter.Subscribers;

namespace Newsletter.Donations;

/// <summary>
/// The language we speak to a donor. Donations keep no language of their own: a donor who is also a reader (the same
/// address key) gets the language of their reader row, which they chose at sign-up or on their preferences page.
/// Anyone else gets, on a page, the request's language (<c>?lang=</c>, the form's <c>language</c> field,
/// <c>Accept-Language</c>, <c>Site:Language</c>), and in an email (receipt, manage link, statement), which is sent
/// later by a job with no request to ask, <c>Site:Language</c>.
/// </summary>
public sealed class DonorLanguage(NewsletterDb db, IOptions<SiteOptions> site)
{
    /// <summary>The language of the reader with this address key, or null when there is none or they chose none.</summary>
    public async Task<string?> OfReaderAsync(string? emailKey, CancellationToken cancellationToken)
    {
        if (emailKey is null) return null;
        var stored = await db.Set<Subscriber>().AsNoTracking().Where(s => s.EmailKey == emailKey).Select(s => s.Language).FirstOrDefaultAsync(cancellationToken);
        return ReaderLanguages.Normalize(stored);
    }

    /// <summary>The language of an email to the donor with this address key: theirs as a reader, else the site's.</summary>
    public async Task<string> ForEmailAsync(string? emailKey, CancellationToken cancellationToken) =>
        await OfReaderAsync(emailKey, cancellationToken) ?? ReaderLanguages.Of(null, site.Value.Language);
}
