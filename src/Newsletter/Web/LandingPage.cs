using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Newsletter.Data;
using Newsletter.Digests;
using Newsletter.Donations;
using Newsletter.Links;
using Newsletter.Localization;

namespace Newsletter.Web;

/// <summary>
/// <c>/</c>: what a reader who types the service's address should find: the sign-up, the latest issues, and the way to
/// donate when donations are set up. The header of every page leads here unless <c>Site:HomeUrl</c> names the blog.
/// </summary>
public static class LandingPage
{
    private const int LatestIssues = 5;

    public static IEndpointRouteBuilder MapLandingPage(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/", Show).ExcludeFromDescription();
        return routes;
    }

    private static async Task<IResult> Show(NewsletterDb db, PageRenderer pages, SiteLinks links, IOptions<SiteOptions> site, IOptions<StripeOptions> stripe,
        IOptions<DigestOptions> digests, CancellationToken cancellationToken)
    {
        var zone = digests.Value.Zone();
        var issues = await db.Set<DigestIssue>().AsNoTracking().Where(DigestIssue.IsPublic)
            .OrderByDescending(i => i.Id).Take(LatestIssues).ToListAsync(cancellationToken);
        var language = pages.RequestLanguage;
        return await pages.PageAsync("home", site.Value.Name, new()
        {
            ["language"] = language,
            ["issues"] = issues.Select(i => new Dictionary<string, object?>
            {
                ["url"] = links.Absolute($"archive/{i.Id}"),
                ["subject"] = i.Subject,
                ["date"] = DigestRenderer.IssueDay(i, zone, ReaderLanguages.Culture(language)),
            }).ToList(),
            ["donations"] = stripe.Value.IsConfigured,
        });
    }
}
