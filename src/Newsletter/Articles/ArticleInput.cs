using Newsletter.Email;

namespace Newsletter.Articles;

/// <summary>An article as a feed entry or the CMS describes it, before it is checked and sanitised.</summary>
public sealed record ArticleInput(
    string ExternalId,
    string Title,
    string Link,
    string? Author,
    DateTime PublishedAt,
    string? Summary,
    string? Content,
    IReadOnlyList<string> Categories,
    string? ImageUrl)
{
    public const int MaxExternalIdLength = 500;
    public const int MaxTitleLength = 500;
    public const int MaxUrlLength = 2000;
    public const int MaxHtmlLength = 1_000_000;

    /// <summary>The categories as stored (comma-separated): the column's width.</summary>
    public const int MaxCategoriesLength = 1000;

    /// <summary>Checks the fields; errors are keyed by field, in plain words. Empty means valid.</summary>
    public Dictionary<string, string[]> Validate()
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(ExternalId) || ExternalId.Length > MaxExternalIdLength || HeaderText.ContainsControlCharacters(ExternalId))
            errors["externalId"] = [$"The id is required, at most {MaxExternalIdLength} characters, without control characters."];
        if (string.IsNullOrWhiteSpace(Title) || Title.Length > MaxTitleLength)
            errors["title"] = [$"A title of at most {MaxTitleLength} characters is required."];
        if (!IsHttpUrl(Link)) errors["link"] = ["The link must be an absolute http(s) URL."];
        if (ImageUrl is not null && !IsHttpUrl(ImageUrl)) errors["imageUrl"] = ["The image URL must be an absolute http(s) URL."];
        if (Author is { Length: > 200 }) errors["author"] = ["The author is longer than 200 characters."];
        if ((Summary?.Length ?? 0) > MaxHtmlLength || (Content?.Length ?? 0) > MaxHtmlLength) errors["content"] = [$"Summary and content are limited to {MaxHtmlLength} characters each."];
        if (Categories.Count > 50 || Categories.Any(c => c is null || c.Length > 100 || c.Contains(',')) || NormalisedCategories().Length > MaxCategoriesLength)
            errors["categories"] = [$"At most 50 categories of at most 100 characters, without commas, {MaxCategoriesLength} characters in all."];
        if (PublishedAt == default) errors["publishedAt"] = ["The publication time is required."];
        return errors;
    }

    public static bool IsHttpUrl(string? value) =>
        value is { Length: > 0 and <= MaxUrlLength }
        && Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && !HeaderText.ContainsControlCharacters(value);

    /// <summary>Categories as we store them: trimmed, lower case, distinct, sorted, comma-separated.</summary>
    public string NormalisedCategories() => string.Join(',', Categories
        .Select(c => c?.Trim().ToLowerInvariant() ?? string.Empty).Where(c => c.Length > 0 && !c.Contains(','))
        .Distinct().Order(StringComparer.Ordinal));
}
