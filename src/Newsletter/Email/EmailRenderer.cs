using Newsletter.Links;
using Newsletter.Templates;
using Microsoft.Extensions.Options;

namespace Newsletter.Email;

/// <summary>Renders an email's HTML and text bodies from <c>templates/email/{name}.html|.txt.liquid</c> inside the shared layout.</summary>
public sealed class EmailRenderer(TemplateLibrary templates, IOptions<SiteOptions> site)
{
    public async Task<(string Html, string Text)> RenderAsync(string name, Dictionary<string, object?> model)
    {
        site.Value.AddBrandTo(model);
        model.TryAdd("site_url", site.Value.BaseUrl);
        model.TryAdd("postal_address", site.Value.PostalAddress);
        var html = await templates.RenderHtmlAsync($"email/{name}.html", model);
        var text = await templates.RenderTextAsync($"email/{name}.txt", model);
        var layoutModel = new Dictionary<string, object?>(model) { ["content"] = html };
        var layoutHtml = await templates.RenderHtmlAsync("email/layout.html", layoutModel);
        layoutModel["content"] = text;
        var layoutText = await templates.RenderTextAsync("email/layout.txt", layoutModel);
        return (layoutHtml, layoutText);
    }
}
