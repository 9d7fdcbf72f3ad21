using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using Newsletter.Articles;

namespace Newsletter.Host.Dashboard.Pages.Admin.Articles;

/// <summary>Recent articles from the feeds and the CMS: hide one from the next digest (or show it again), add one by hand.</summary>
public sealed class IndexModel(ArticleStore store, TimeProvider clock) : StaffPage
{
    public const int PageSize = 50;

    public override string Title => "Articles";

    [BindProperty(SupportsGet = true)] public long? Before { get; set; }
    [BindProperty(SupportsGet = true)] public string? Notice { get; set; }

    [BindProperty] public string? NewTitle { get; set; }
    [BindProperty] public string? NewLink { get; set; }
    [BindProperty] public string? NewAuthor { get; set; }
    [BindProperty] public string? NewSummary { get; set; }
    [BindProperty] public string? NewCategories { get; set; }
    [BindProperty] public string? NewPublishedAt { get; set; }

    public IReadOnlyList<Article> Articles { get; private set; } = [];
    public long? Next { get; private set; }
    public IReadOnlyList<string> Errors { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostHideAsync(long id, CancellationToken cancellationToken) =>
        await store.SetHiddenAsync(id, true, cancellationToken) ? Redirect("/admin/articles?notice=hidden") : NotFound();

    public async Task<IActionResult> OnPostShowAsync(long id, CancellationToken cancellationToken) =>
        await store.SetHiddenAsync(id, false, cancellationToken) ? Redirect("/admin/articles?notice=shown") : NotFound();

    /// <summary>An article typed in by staff; its external id is its link, so adding the same link twice updates it.</summary>
    public async Task<IActionResult> OnPostAddAsync(CancellationToken cancellationToken)
    {
        var published = clock.GetUtcNow().UtcDateTime;
        var errors = new List<string>();
        if (!string.IsNullOrWhiteSpace(NewPublishedAt))
        {
            if (DateTime.TryParse(NewPublishedAt, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed))
                published = DateTime.SpecifyKind(parsed, DateTimeKind.Utc);
            else errors.Add("The publication time must be a date and time like 2026-03-01 09:00.");
        }
        var link = NewLink?.Trim() ?? string.Empty;
        var input = new ArticleInput(link, NewTitle ?? string.Empty, link, NewAuthor, published, NewSummary, null,
            (NewCategories ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), null);
        if (errors.Count == 0)
        {
            var (article, _, problems) = await store.UpsertAsync(input, "staff:" + StaffName, cancellationToken);
            if (article is not null) return Redirect("/admin/articles?notice=added");
            errors.AddRange(problems.Values.SelectMany(v => v));
        }
        Errors = errors;
        await LoadAsync(cancellationToken);
        var page = Page();
        page.StatusCode = StatusCodes.Status400BadRequest;
        return page;
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Articles = await store.ListAsync(Before, PageSize, cancellationToken);
        Next = Articles.Count == PageSize ? Articles[^1].Id : null;
    }
}
