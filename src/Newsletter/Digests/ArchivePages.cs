using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Newsletter.Data;
using Newsletter.Links;
using Newsletter.Localization;
using Newsletter.Templates;
using Newsletter.Web;

namespace Newsletter.Digests;

/// <summary>The public archive: <c>/archive</c> lists sent issues, <c>/archive/{id}</c> is an issue's web version. No personal data.</summary>
public static class ArchivePages
{
    public static IEndpointRouteBuilder MapArchivePages(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/archive", List).ExcludeFromDescription();
        routes.MapGet("/archive/{id:long}", Show).ExcludeFromDescription();
        return routes;
    }

    private static async Task<IResult> List(NewsletterDb db, [FromServices] TemplateLibrary templates, PageRenderer pages, ReaderText text, SiteLinks links, IOptions<SiteOptions> site,
        IOptions<DigestOptions> digests, CancellationToken cancellationToken)
    {
        var zone = digests.Value.Zone();
        var language = pages.RequestLanguage;
        var issues = await db.Set<DigestIssue>().AsNoTracking().Where(DigestIssue.IsPublic)
            .OrderByDescending(i => i.Id).Take(200).ToListAsync(cancellationToken);
        var model = new Dictionary<string, object?>
        {
            ["site_name"] = site.Value.Name,
            ["language"] = language,
            ["title"] = text.Get(language, "Archive.Title"),
            ["subscribe_url"] = links.Absolute("subscribe"),
            ["issues"] = issues.Select(i => new Dictionary<string, object?>
            {
                ["url"] = links.Absolute($"archive/{i.Id}"),
                ["subject"] = i.Subject,
                ["date"] = DigestRenderer.IssueDay(i, zone, ReaderLanguages.Culture(language)),
                ["frequency"] = i.Frequency.ToString().ToLowerInvariant(),
            }).ToList(),
        };
        site.Value.AddBrandTo(model);
        model["content"] = await templates.RenderHtmlAsync("digest/archive", model);
        var html = await templates.RenderHtmlAsync("pages/layout", model);
        return Results.Content(html, "text/html; charset=utf-8");
    }

    private static async Task<IResult> Show(long id, DigestService digests, PageRenderer pages, CancellationToken cancellationToken)
    {
        var html = await digests.WebVersionAsync(id, cancellationToken);
        return html is null
            ? await pages.MessageAsync("Archive.NotFound.Title", "Archive.NotFound.Message", StatusCodes.Status404NotFound, "/archive", "Archive.All")
            : Results.Content(html, "text/html; charset=utf-8");
    }
}
