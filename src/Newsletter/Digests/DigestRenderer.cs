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
using Newsletter.Localization;
using Newsletter.Templates;

namespace Newsletter.Digests;

/// <summary>
/// Renders an issue once per distinct topic set: Liquid (digest inside the shared email layout), then CSS inlining with
/// PreMailer (offline: see <see cref="OfflineCss"/>), then cut at the per-reader slots. Results are cached per process; an issue's articles never change
/// once planned, so the cache holds immutable values and every worker computes the same thing.
/// The email carries at most <see cref="DigestOptions.MaxArticles"/> articles and stays under
/// <see cref="DigestOptions.MaxHtmlBytes"/> (Gmail clips at about 102 KB, footer and unsubscribe link with it); the rest
/// are counted in a "more on the web" link to the issue's web version, which lists every article of the period.
/// Dates are shown in <see cref="DigestOptions.TimeZone"/>. Each reader language is a render of its own (words, dates,
/// subject); the batch that does not name a language gets <see cref="SiteOptions.Language"/>.
/// </summary>
public sealed partial class DigestRenderer(IServiceScopeFactory scopes, TemplateLibrary templates, SiteLinks links, IOptions<SiteOptions> site, IOptions<DigestOptions> options, ReaderText text)
{
    private const int MaxCached = 64;

    /// <summary>Room left in the HTML budget for what is filled in per reader (name, address, two signed links, each used more than once).</summary>
    private const int PerReaderAllowance = 3_000;

    private readonly ConcurrentDictionary<(long IssueId, string Topics, string Language, bool Web), Lazy<Task<RenderedDigest>>> _cache = new();

    /// <summary>The issue as an email for readers of <paramref name="topics"/> (empty: every topic) in <c>Site:Language</c>.</summary>
    public Task<RenderedDigest> GetAsync(long issueId, string topics, CancellationToken cancellationToken) =>
        GetAsync(issueId, topics, site.Value.Language, web: false, cancellationToken);

    /// <summary>
    /// The issue as an email for readers of <paramref name="topics"/> who read <paramref name="language"/> (a reader's
    /// stored language; null or unknown: <c>Site:Language</c>).
    /// </summary>
    public Task<RenderedDigest> GetAsync(long issueId, string topics, string? language, CancellationToken cancellationToken) =>
        GetAsync(issueId, topics, language, web: false, cancellationToken);

    /// <summary>The issue's web version (the archive) in <c>Site:Language</c>: every article of the period, no size budget.</summary>
    public Task<RenderedDigest> GetWebAsync(long issueId, CancellationToken cancellationToken) =>
        GetAsync(issueId, "", site.Value.Language, web: true, cancellationToken);

    private Task<RenderedDigest> GetAsync(long issueId, string topics, string? language, bool web, CancellationToken cancellationToken)
    {
        if (_cache.Count > MaxCached) _cache.Clear();
        var key = (issueId, topics, ReaderLanguages.Of(language, site.Value.Language), web);
        var lazy = _cache.GetOrAdd(key, k => new Lazy<Task<RenderedDigest>>(() => RenderAsync(k.IssueId, k.Topics, k.Language, k.Web, CancellationToken.None)));
        var task = lazy.Value;
        // A failed render is not cached: the next caller tries again.
        if (task.IsFaulted) _cache.TryRemove(new KeyValuePair<(long, string, string, bool), Lazy<Task<RenderedDigest>>>(key, lazy));
        return task.WaitAsync(cancellationToken);
    }

    private async Task<RenderedDigest> RenderAsync(long issueId, string topics, string language, bool web, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<NewsletterDb>();
        var issue = await db.Set<DigestIssue>().AsNoTracking().SingleAsync(i => i.Id == issueId, cancellationToken);
        var articles = await db.Set<DigestIssueArticle>().AsNoTracking().Where(x => x.IssueId == issueId)
            .Join(db.Set<Article>(), x => x.ArticleId, a => a.Id, (x, a) => new { x.Position, Article = a })
            .OrderBy(x => x.Position).Select(x => x.Article).ToListAsync(cancellationToken);
        var subject = Subject(issue, articles, language);
        articles = DigestAudience.ArticlesFor(topics, articles);
        if (articles.Count == 0) return new RenderedDigest(issueId, subject, null, null, 0, 0);

        var page = new Rendering(issue, subject, language, web);
        if (web) return await RenderAsync(page, articles, articles.Count);
        // The email: at most MaxArticles, and fewer if the HTML would pass the budget (each try renders once per issue
        // and topic set, so a few tries cost nothing per reader).
        var budget = options.Value.MaxHtmlBytes - PerReaderAllowance;
        var shown = Math.Min(options.Value.MaxArticles, articles.Count);
        while (true)
        {
            var rendered = await RenderAsync(page, articles, shown);
            var size = rendered.Html!.LiteralByteLength;
            if (size <= budget || shown == 1) return rendered;
            // Shrink in proportion to the excess (at least one article), then measure again.
            shown = Math.Max(1, Math.Min(shown - 1, (int)((long)shown * budget / size)));
        }
    }

    /// <summary>What one render is for: the issue, its subject in the language, and whether it is the web version.</summary>
    private sealed record Rendering(DigestIssue Issue, string Subject, string Language, bool Web);

    private async Task<RenderedDigest> RenderAsync(Rendering page, IReadOnlyList<Article> articles, int shown)
    {
        var (issue, language) = (page.Issue, page.Language);
        var culture = ReaderLanguages.Culture(language);
        var zone = options.Value.Zone();
        var frequency = issue.Frequency.ToString().ToLowerInvariant();
        var included = articles.Take(shown).ToList();
        var model = new Dictionary<string, object?>
        {
            ["language"] = language,
            ["site_name"] = site.Value.Name,
            ["site_url"] = site.Value.BaseUrl,
            ["postal_address"] = site.Value.PostalAddress,
            ["subject"] = page.Subject,
            ["frequency"] = frequency,
            ["frequency_text"] = text.Get(language, "FrequencyInText." + frequency),
            ["issue_date"] = IssueDay(issue, zone, culture),
            ["preheader"] = Preheader(included),
            ["view_online_url"] = links.Absolute($"archive/{issue.Id}"),
            // The web version names no reader, so it says nothing about why "you" receive it.
            ["reason"] = page.Web ? null : text.Get(language, "Digest.Reason." + frequency, SlotTemplate.Marker(Slot.Email), site.Value.Name),
            // The per-reader greeting (with the name) is filled in by DigestMessageBuilder, from this language's patterns.
            ["greeting"] = SlotTemplate.Marker(Slot.Greeting),
            ["name"] = SlotTemplate.Marker(Slot.Name),
            ["email"] = SlotTemplate.Marker(Slot.Email),
            ["preferences_url"] = SlotTemplate.Marker(Slot.PreferencesUrl),
            ["unsubscribe_url"] = SlotTemplate.Marker(Slot.UnsubscribeUrl),
            ["articles"] = included.Select(a => ArticleModel(a, zone, culture)).ToList(),
            // What did not fit: how many, and where every article of the issue is (its web version).
            ["total_count"] = articles.Count,
            ["more_count"] = articles.Count - included.Count,
            ["more_url"] = links.Absolute($"archive/{issue.Id}"),
        };
        site.Value.AddBrandTo(model);
        var content = await templates.RenderHtmlAsync("digest/digest.html", model);
        var plain = await templates.RenderTextAsync("digest/digest.txt", model);
        model["content"] = content;
        var html = await templates.RenderHtmlAsync("email/layout.html", model);
        model["content"] = plain;
        var fullText = await templates.RenderTextAsync("email/layout.txt", model);
        var inlined = OfflineCss.Inline(html);
        return new RenderedDigest(issue.Id, page.Subject, SlotTemplate.Parse(MailLines.Wrap(inlined)), SlotTemplate.Parse(MailLines.Wrap(fullText)),
            included.Count, articles.Count)
        {
            Hello = text.Get(language, "Email.Hello"),
            HelloName = text.Get(language, "Email.HelloName"),
            YourAddress = text.Get(language, "Email.YourAddress"),
        };
    }

    /// <summary>The day an issue is dated, in its email, the archive and the landing page alike: its period's end in Digests:TimeZone.</summary>
    public static string IssueDay(DigestIssue issue, TimeZoneInfo zone, CultureInfo culture) => Local(issue.PeriodEnd, zone, culture);

    private static string Local(DateTime utc, TimeZoneInfo zone, CultureInfo culture) =>
        TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone).ToString("d MMMM yyyy", culture);

    /// <summary>
    /// The subject in the reader's language. English is the planner's own (stored with the issue); another language is
    /// made the same way from the same articles: the site's name, the first title, and how many more.
    /// </summary>
    private string Subject(DigestIssue issue, IReadOnlyList<Article> articles, string language)
    {
        if (language == ReaderLanguages.English || articles.Count == 0) return issue.Subject;
        return DigestPlanner.Subject(site.Value.Name, articles, text.Get(language, "Digest.Subject.More"));
    }

    private static Dictionary<string, object?> ArticleModel(Article a, TimeZoneInfo zone, CultureInfo culture) => new()
    {
        ["title"] = a.Title,
        ["link"] = a.Link,
        ["author"] = a.Author,
        ["published"] = Local(a.PublishedAt, zone, culture),
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
