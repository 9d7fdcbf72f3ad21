using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace Newsletter.Web;

/// <summary>
/// Errors a person sees in a browser are pages, not JSON. Every error in the host goes through
/// <see cref="IProblemDetailsService"/> (status code pages for 404/405, the exception handler for 5xx and unreadable
/// requests, the rate limiter's 429, and <c>TypedResults.Problem</c>/<c>ValidationProblem</c> in handlers); this writer
/// comes first and takes the ones on browser routes from clients that ask for HTML. Machine routes (<c>/api</c>,
/// webhooks, the OpenAPI document, health and metrics) and clients asking for JSON keep RFC 7807 problem+json.
/// </summary>
public sealed class BrowserErrorPages(PageRenderer pages, Localization.ReaderText text) : IProblemDetailsWriter
{
    /// <summary>Paths whose callers are programs: always problem+json, whatever they accept.</summary>
    private static readonly string[] MachineRoutes = ["/api", "/webhooks", "/openapi", "/healthz", "/metrics"];

    public bool CanWrite(ProblemDetailsContext context) =>
        IsBrowserRoute(context.HttpContext.Request.Path) && PrefersHtml(context.HttpContext.Request.Headers.Accept);

    public async ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        var status = context.ProblemDetails.Status ?? http.Response.StatusCode;
        var (title, message) = Wording(status, context.ProblemDetails, context.Exception is not null);
        var errors = context.ProblemDetails is HttpValidationProblemDetails validation ? validation.Errors.Values.SelectMany(e => e).ToList() : [];
        // A 5xx page names a reference the operator can find in the logs; the exception itself never reaches the page.
        var reference = status >= 500 ? http.TraceIdentifier : null;
        var result = await pages.PageAsync("error", title, new()
        {
            ["status"] = status,
            ["message"] = text.Get(pages.RequestLanguage, message),
            ["errors"] = errors,
            ["reference"] = reference,
        }, status);
        await result.ExecuteAsync(http);
    }

    /// <summary>Routes a person opens in a browser: everything but the machine routes.</summary>
    public static bool IsBrowserRoute(PathString path) =>
        !MachineRoutes.Any(route => path.StartsWithSegments(route, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// True when the Accept header names text/html at least as strongly as any JSON type. A browser sends
    /// <c>text/html,...,*/*;q=0.8</c>; fetch() and HTTP libraries send JSON types, <c>*/*</c> or nothing, and get JSON.
    /// </summary>
    public static bool PrefersHtml(Microsoft.Extensions.Primitives.StringValues accept)
    {
        if (!MediaTypeHeaderValue.TryParseList(accept, out var types)) return false;
        double html = 0, json = 0;
        foreach (var type in types)
        {
            var quality = type.Quality ?? 1;
            if (type.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase)) html = Math.Max(html, quality);
            else if (type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
                     || type.MediaType.Equals("application/problem+json", StringComparison.OrdinalIgnoreCase)) json = Math.Max(json, quality);
        }
        return html > 0 && html >= json;
    }

    /// <summary>
    /// What the page says, as keys of the reader texts (or our handlers' own words, already in the reader's language). 4xx problems written by our handlers carry a title and detail meant for people; the
    /// framework's defaults, an exception's message, and anything on a 5xx are replaced by plain words.
    /// </summary>
    private static (string Title, string Message) Wording(int status, ProblemDetails problem, bool fromException) => status switch
    {
        StatusCodes.Status404NotFound => ("Error.NotFound.Title", "Error.NotFound.Message"),
        StatusCodes.Status405MethodNotAllowed => ("Error.Method.Title", "Error.Method.Message"),
        // "Not set up" from our own handlers is true and useful; any other 5xx says only that the fault is ours.
        StatusCodes.Status503ServiceUnavailable when !fromException && problem.Title is { Length: > 0 } title && problem.Detail is { Length: > 0 } detail => (title, detail),
        >= 500 => ("Error.Server.Title", "Error.Server.Message"),
        _ => (ForPeople(problem.Title) ?? "Error.Other.Title",
            !fromException && problem.Detail is { Length: > 0 } detail ? detail : "Error.Other.Message"),
    };

    /// <summary>The framework's own titles are generic phrases; ours are sentences for people.</summary>
    private static string? ForPeople(string? title) =>
        string.IsNullOrWhiteSpace(title) || title.StartsWith("One or more validation errors", StringComparison.Ordinal) ? null : title;
}
