using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Newsletter.Tests.Embedding;

/// <summary>
/// A publisher's blog: a second Kestrel on 127.0.0.1 and a port of its own (so another origin than the newsletter's),
/// serving the README's snippets with the example addresses replaced by the real ones.
/// </summary>
public sealed partial class BlogSite : IAsyncDisposable
{
    public const string ThanksPath = "/thanks-for-subscribing";

    private readonly WebApplication _app;
    private readonly Dictionary<string, string> _pages = new(StringComparer.Ordinal);

    private BlogSite(WebApplication app, string origin)
    {
        _app = app;
        Origin = origin;
    }

    /// <summary>E.g. http://127.0.0.1:41234.</summary>
    public string Origin { get; }

    public static async Task<BlogSite> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        BlogSite? site = null;
        app.MapGet("/{**path}", (string? path) => site!._pages.TryGetValue("/" + path, out var html)
            ? Results.Content(html, "text/html; charset=utf-8")
            : Results.NotFound());
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        site = new BlogSite(app, new Uri(address).GetLeftPart(UriPartial.Authority));
        site._pages[ThanksPath] = "<!DOCTYPE html><title>Thanks</title><h1>Thanks from the blog</h1>";
        return site;
    }

    /// <summary>Serves <paramref name="snippet"/> inside a blog page at <paramref name="path"/>, pointed at <paramref name="newsletterUrl"/>.</summary>
    public string Serve(string path, string snippet, string newsletterUrl)
    {
        var html = snippet.Replace("https://news.example.org", newsletterUrl, StringComparison.Ordinal)
            .Replace("https://blog.example.org", Origin, StringComparison.Ordinal);
        _pages[path] = $"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>A blog post</title></head><body><h1>A blog post</h1>{html}</body></html>";
        return Origin + path;
    }

    /// <summary>The html code blocks of the README's "Put the sign-up on your blog" section, in order.</summary>
    public static IReadOnlyList<string> ReadmeSnippets()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Newsletter.sln"))) folder = folder.Parent;
        var readme = File.ReadAllText(Path.Combine(folder!.FullName, "README.md"));
        var start = readme.IndexOf("## Put the sign-up on your blog", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no section \"Put the sign-up on your blog\"");
        var end = readme.IndexOf("\n## ", start + 3, StringComparison.Ordinal);
        var section = readme[start..(end < 0 ? readme.Length : end)];
        return HtmlBlock().Matches(section).Select(m => m.Groups[1].Value).ToList();
    }

    [GeneratedRegex("```html\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex HtmlBlock();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
