namespace Newsletter.ApiKeys;

/// <summary>What an API key may do. Keys work only under /api; none of them opens the dashboard.</summary>
public static class ApiScopes
{
    /// <summary>The CMS pushes articles: <c>PUT /api/articles/{externalId}</c>.</summary>
    public const string ArticlesPush = "articles:push";

    /// <summary>Reads of the staff API: <c>GET /api/admin/...</c> (lists, exports, a person's data).</summary>
    public const string AdminRead = "admin:read";

    /// <summary>Changes through the staff API: every other method under <c>/api/admin</c> (imports, erasure, sends).</summary>
    public const string AdminWrite = "admin:write";

    public static readonly IReadOnlyList<string> All = [ArticlesPush, AdminRead, AdminWrite];

    /// <summary>The claim type that carries a scope in an API key's principal.</summary>
    public const string ClaimType = "scope";

    /// <summary>Policy: the caller holds <see cref="ArticlesPush"/>.</summary>
    public const string ArticlesPushPolicy = "api:" + ArticlesPush;

    /// <summary>Policy of the staff API: admin:read for GET and HEAD, admin:write for anything else.</summary>
    public const string AdminPolicy = "api:admin";

    /// <summary>The scope the staff API asks of a request with <paramref name="method"/>: reads need read, the rest write.</summary>
    public static string ForAdmin(string method) =>
        HttpMethodsAreSafe(method) ? AdminRead : AdminWrite;

    private static bool HttpMethodsAreSafe(string method) =>
        string.Equals(method, "GET", StringComparison.OrdinalIgnoreCase) || string.Equals(method, "HEAD", StringComparison.OrdinalIgnoreCase);
}
