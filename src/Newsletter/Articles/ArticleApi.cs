using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Newsletter.Web;

namespace Newsletter.Articles;

/// <summary>
/// The CMS pushes an article when it publishes (<c>PUT /api/articles/{externalId}</c> with the staff API key);
/// staff list, hide and show articles under <c>/api/admin/articles</c>.
/// </summary>
public static class ArticleApi
{
    /// <summary>A pushed article may carry its full HTML; 2 MiB is plenty.</summary>
    public const long MaxPushBytes = 2 * 1024 * 1024;

    public static IEndpointRouteBuilder MapArticleApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPut("/api/articles/{externalId}", Push)
            .WithTags("Articles")
            .WithSummary("Create or update an article by the CMS's id (needs the API key).")
            .RequireAuthorization(ApiKeys.ApiScopes.ArticlesPushPolicy)
            .WithBodyLimit(MaxPushBytes);
        var admin = routes.MapGroup("/api/admin/articles").WithTags("Staff: articles").RequireAuthorization(ApiKeys.ApiScopes.AdminPolicy);
        admin.MapGet("/", List).WithSummary("Newest articles first (keyset: pass the last id as 'before').");
        admin.MapPost("/{id:long}/hide", (long id, ArticleStore store, CancellationToken ct) => SetHidden(id, true, store, ct))
            .WithSummary("Keep an article out of every future digest.");
        admin.MapPost("/{id:long}/show", (long id, ArticleStore store, CancellationToken ct) => SetHidden(id, false, store, ct))
            .WithSummary("Let a hidden article into future digests again.");
        return routes;
    }

    public sealed record PushArticleRequest(string? Title, string? Link, string? Author, DateTime? PublishedAt, string? Summary, string? Content, List<string>? Categories, string? ImageUrl);

    public sealed record ArticleSummary(long Id, string ExternalId, string Title, string Link, string? Author, DateTime PublishedAt, string[] Categories, string? ImageUrl, bool Hidden, string Source);

    private static async Task<Results<Ok<ArticleSummary>, Created<ArticleSummary>, ValidationProblem>> Push(
        string externalId, PushArticleRequest request, ArticleStore store, CancellationToken cancellationToken)
    {
        var input = new ArticleInput(externalId, request.Title ?? "", request.Link ?? "", request.Author,
            request.PublishedAt?.ToUniversalTime() ?? default, request.Summary, request.Content, request.Categories ?? [], request.ImageUrl);
        var (article, created, errors) = await store.UpsertAsync(input, "push", cancellationToken);
        if (article is null) return TypedResults.ValidationProblem(errors, title: "The article has errors.");
        return created ? TypedResults.Created($"/api/admin/articles/{article.Id}", Summary(article)) : TypedResults.Ok(Summary(article));
    }

    private static async Task<Ok<List<ArticleSummary>>> List(ArticleStore store, long? before, int? limit, CancellationToken cancellationToken) =>
        TypedResults.Ok((await store.ListAsync(before, limit ?? 50, cancellationToken)).Select(Summary).ToList());

    private static async Task<Results<NoContent, NotFound>> SetHidden(long id, bool hidden, ArticleStore store, CancellationToken cancellationToken) =>
        await store.SetHiddenAsync(id, hidden, cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();

    private static ArticleSummary Summary(Article a) =>
        new(a.Id, a.ExternalId, a.Title, a.Link, a.Author, a.PublishedAt, a.CategoryList.ToArray(), a.ImageUrl, a.Hidden, a.Source);
}
