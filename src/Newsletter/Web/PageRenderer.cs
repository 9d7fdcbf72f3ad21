using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Newsletter.Links;
using Newsletter.Templates;

namespace Newsletter.Web;

/// <summary>Renders public pages from <c>templates/pages/*.liquid</c> inside <c>pages/layout</c>, HTML-encoded.</summary>
public sealed class PageRenderer(TemplateLibrary templates, IOptions<SiteOptions> site)
{
    /// <summary>The layout of the compact sign-up form that blogs put in an iframe (no page chrome of ours).</summary>
    public const string EmbedLayout = "pages/embed-layout";

    public async Task<IResult> PageAsync(string page, string title, Dictionary<string, object?> model, int statusCode = StatusCodes.Status200OK, string layout = "pages/layout")
    {
        site.Value.AddBrandTo(model);
        model["title"] = title;
        var body = await templates.RenderHtmlAsync($"pages/{page}", model);
        model["content"] = body;
        var html = await templates.RenderHtmlAsync(layout, model);
        return Results.Content(html, "text/html; charset=utf-8", System.Text.Encoding.UTF8, statusCode);
    }

    /// <summary>A page with one message and an optional link: confirmations, errors, thank-yous.</summary>
    public Task<IResult> MessageAsync(string title, string message, int statusCode = StatusCodes.Status200OK, string? linkUrl = null, string? linkText = null) =>
        PageAsync("message", title, new() { ["message"] = message, ["link_url"] = linkUrl, ["link_text"] = linkText }, statusCode);
}
