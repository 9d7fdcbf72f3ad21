using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Newsletter.Links;
using Newsletter.Localization;
using Newsletter.Templates;

namespace Newsletter.Web;

/// <summary>
/// Renders public pages from <c>templates/pages/*.liquid</c> inside <c>pages/layout</c>, HTML-encoded, in one reader
/// language: the model's <c>language</c> when the page knows the reader (their stored choice), else the request's
/// (<c>?lang=</c>, <c>Accept-Language</c>, <c>Site:Language</c>). Titles, messages and link texts given as keys of
/// <see cref="ReaderText"/> are translated; any other text is shown as it is.
/// </summary>
public sealed class PageRenderer(TemplateLibrary templates, IOptions<SiteOptions> site, ReaderText text)
{
    /// <summary>The layout of the compact sign-up form that blogs put in an iframe (no page chrome of ours).</summary>
    public const string EmbedLayout = "pages/embed-layout";

    /// <summary>Every supported language with its own name, for the language choice on forms.</summary>
    private static readonly List<Dictionary<string, object?>> Languages =
        ReaderLanguages.Supported.Select(l => new Dictionary<string, object?> { ["code"] = l.Code, ["name"] = l.Name }).ToList();

    /// <summary>The reader texts, for handlers that put a sentence of their own into a page's model.</summary>
    public ReaderText Text => text;

    /// <summary>The language of a page for a visitor we do not know: what the request localization chose, else the site's.</summary>
    public string RequestLanguage => ReaderLanguages.Normalize(CultureInfo.CurrentUICulture.Name) is { } chosen && CultureInfo.CurrentUICulture.Name.Length > 0
        ? chosen : ReaderLanguages.Of(null, site.Value.Language);

    public async Task<IResult> PageAsync(string page, string title, Dictionary<string, object?> model, int statusCode = StatusCodes.Status200OK, string layout = "pages/layout")
    {
        site.Value.AddBrandTo(model);
        var language = ReaderLanguages.Normalize(model.GetValueOrDefault("language") as string) ?? RequestLanguage;
        model["language"] = language;
        model["languages"] = Languages;
        model["title"] = text.Get(language, title);
        var body = await templates.RenderHtmlAsync($"pages/{page}", model);
        model["content"] = body;
        var html = await templates.RenderHtmlAsync(layout, model);
        var result = Results.Content(html, "text/html; charset=utf-8", System.Text.Encoding.UTF8, statusCode);
        return result;
    }

    /// <summary>
    /// A page with one message and an optional link: confirmations, errors, thank-yous. <paramref name="message"/> takes
    /// <paramref name="messageArgs"/> at <c>{0}</c>, <c>{1}</c>; <paramref name="language"/> null: the request's.
    /// </summary>
    public Task<IResult> MessageAsync(string title, string message, int statusCode = StatusCodes.Status200OK, string? linkUrl = null, string? linkText = null,
        string? language = null, params object?[] messageArgs)
    {
        var lang = ReaderLanguages.Normalize(language) ?? RequestLanguage;
        return PageAsync("message", title, new()
        {
            ["language"] = lang,
            ["message"] = text.Get(lang, message, messageArgs),
            ["link_url"] = linkUrl,
            ["link_text"] = linkText is null ? null : text.Get(lang, linkText),
        }, statusCode);
    }
}
