using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using AngleSharp.Html.Parser;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Newsletter.Articles;
using Newsletter.Data;
using Newsletter.Links;
using Newsletter.Templates;

namespace Newsletter.Digests;

/// <summary>
/// Renders an issue once per distinct topic set: Liquid (digest inside the shared email layout), then CSS inlining with
/// PreMailer (offline: see <see cref="OfflineCss"/>), then cut at the per-reader slots. Results are cached per process; an issue's articles never change
/// once planned, so the cache holds immutable values and every worker computes the same thing.
/// </summary>
public sealed partial class DigestRenderer(IServiceScopeFactory scopes, TemplateLibrary templates, Links.Links links, IOptions<SiteOptions> site)
{
    private const int MaxCached = 64;
    private readonly ConcurrentDictionary<(long IssueId, string Topics), Lazy<Task<RenderedDigest>>> _cache = new();

    /// <summary>The issue rendered for readers of <paramref name="topics"/> (empty: every topic).</summary>
    public Task<RenderedDigest> GetAsync(long issueId, string topics, CancellationToken cancellationToken)
    {
        if (_cache.Count > MaxCached) _cache.Clear();
        var lazy = _cache.GetOrAdd((issueId, topics), key => new Lazy<Task<RenderedDigest>>(() => RenderAsync(key.IssueId, key.Topics, CancellationToken.None)));
        var task = lazy.Value;
        // A failed render is not cached: the next caller tries again.
        if (task.IsFaulted) _cache.TryRemove(new KeyValuePair<(long, string), Lazy<Task<RenderedDigest>>>((issueId, topics), lazy));
        return task.WaitAsync(cancellationToken);
    }

    private async Task<RenderedDigest> RenderAsync(long issueId, string topics, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<NewsletterDb>();
        var issue = await db.Set<DigestIssue>().AsNoTracking().SingleAsync(i => i.Id == issueId, cancellationToken);
        var articles = await db.Set<DigestIssueArticle>().AsNoTracking().Where(x => x.IssueId == issueId)
            .Join(db.Set<Article>(), x => x.ArticleId, a => a.Id, (x, a) => new { x.Position, Article = a })
            .OrderBy(x => x.Position).Select(x => x.Article).ToListAsync(cancellationToken);
        var wanted = topics.Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        if (wanted.Count > 0) articles = articles.Where(a => a.CategoryList.Any(wanted.Contains)).ToList();
        if (articles.Count == 0) return new RenderedDigest(issueId, issue.Subject, null, null);

        var frequency = issue.Frequency.ToString().ToLowerInvariant();
        var model = new Dictionary<string, object?>
        {
            ["site_name"] = site.Value.Name,
            ["site_url"] = site.Value.BaseUrl,
            ["postal_address"] = site.Value.PostalAddress,
            ["subject"] = issue.Subject,
            ["frequency"] = frequency,
            ["issue_date"] = issue.PeriodEnd.ToString("d MMMM yyyy", CultureInfo.InvariantCulture),
            ["preheader"] = Preheader(articles),
            ["view_online_url"] = links.Absolute($"archive/{issueId}"),
            ["reason"] = $"You receive this because {SlotTemplate.Marker(Slot.Email)} subscribed to the {frequency} digest of {site.Value.Name}.",
            ["greeting"] = SlotTemplate.Marker(Slot.Greeting),
            ["name"] = SlotTemplate.Marker(Slot.Name),
            ["email"] = SlotTemplate.Marker(Slot.Email),
            ["preferences_url"] = SlotTemplate.Marker(Slot.PreferencesUrl),
            ["unsubscribe_url"] = SlotTemplate.Marker(Slot.UnsubscribeUrl),
            ["articles"] = articles.Select(ArticleModel).ToList(),
        };
        var content = await templates.RenderHtmlAsync("digest/digest.html", model);
        var text = await templates.RenderTextAsync("digest/digest.txt", model);
        model["content"] = content;
        var html = await templates.RenderHtmlAsync("email/layout.html", model);
        model["content"] = text;
        var fullText = await templates.RenderTextAsync("email/layout.txt", model);
        var inlined = OfflineCss.Inline(html);
        return new RenderedDigest(issueId, issue.Subject, SlotTemplate.Parse(MailLines.Wrap(inlined)), SlotTemplate.Parse(MailLines.Wrap(fullText)));
    }

    private static Dictionary<string, object?> ArticleModel(Article a) => new()
    {
        ["title"] = a.Title,
        ["link"] = a.Link,
        ["author"] = a.Author,
        ["published"] = a.PublishedAt.ToString("d MMMM yyyy", CultureInfo.InvariantCulture),
        ["summary"] = a.Summary,
        ["summary_text"] = PlainText(a.Summary, 400),
        ["image_url"] = a.ImageUrl,
        ["categories"] = a.CategoryList.ToList(),
    };

    private static string Preheader(IReadOnlyList<Article> articles)
    {
        var text = string.Join(" · ", articles.Select(a => a.Title));
        return text.Length <= 140 ? text : text[..137] + "...";
    }

    /// <summary>The text of sanitised HTML, whitespace collapsed, cut at <paramref name="max"/> characters.</summary>
    public static string PlainText(string html, int max)
    {
        if (string.IsNullOrWhiteSpace(html)) return string.Empty;
        var text = Whitespace().Replace(new HtmlParser().ParseDocument("<body>" + html + "</body>").Body?.TextContent ?? "", " ").Trim();
        return text.Length <= max ? text : text[..(max - 3)].TrimEnd() + "...";
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
