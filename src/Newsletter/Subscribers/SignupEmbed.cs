using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Newsletter.Localization;
using Newsletter.Web;

namespace Newsletter.Subscribers;

/// <summary>
/// The compact sign-up form a blog puts in an iframe: <c>/subscribe/embed</c>. Only the blogs on
/// <c>Subscribers:AllowedOrigins</c> may frame it (<c>frame-ancestors</c>, set in <see cref="SecurityHeaders"/>); the
/// honeypot and the rate limit are those of the full form. It answers inside the frame, never navigating the blog.
/// </summary>
public static class SignupEmbed
{
    public const string Path = "/subscribe/embed";
    private const string ThanksPath = Path + "/thanks";

    public static IEndpointRouteBuilder MapSignupEmbed(this IEndpointRouteBuilder routes)
    {
        var pages = routes.MapGroup(Path).ExcludeFromDescription().DisableAntiforgery();
        pages.MapGet("", Show);
        pages.MapPost("", Signup).RequireRateLimiting(RateLimitPolicies.PublicWrites).WithBodyLimit(RequestBodyLimit.Small);
        pages.MapGet("/thanks", Thanks);
        return routes;
    }

    /// <summary><c>?frequency=daily</c> makes the form sign readers up for the daily email (weekly otherwise); <c>?lang=de</c> in German.</summary>
    private static Task<IResult> Show(PageRenderer pages, string? frequency) => Page(pages, pages.RequestLanguage, null, frequency, [], sent: false, StatusCodes.Status200OK);

    private static async Task<IResult> Signup(HttpContext http, PageRenderer pages, SubscriptionService subscriptions, ReaderText text, IOptions<SubscriberOptions> options, CancellationToken cancellationToken)
    {
        if (await PublicForm.ReadAsync(http, cancellationToken) is not { } form)
            return await Page(pages, pages.RequestLanguage, null, null, [text.Get(pages.RequestLanguage, "Form.Unreadable")], sent: false, StatusCodes.Status400BadRequest);
        var language = ReaderLanguages.Normalize(form["language"]) ?? pages.RequestLanguage;
        if (await SubscriberPages.TrySignupAsync(http, form, subscriptions, text, pages.RequestLanguage, options.Value, "embed", cancellationToken) is { } rejected)
            return await Page(pages, language, SubscriberPages.SafeEcho(rejected.Input.Email), rejected.Input.Frequency, rejected.Errors, sent: false, StatusCodes.Status400BadRequest);
        // Post/redirect/get inside the frame: a refresh of the frame shows the thanks and posts nothing.
        return new SeeOther(ReaderLanguages.WithLanguage(ThanksPath, language, pages.RequestLanguage));
    }

    private static Task<IResult> Thanks(PageRenderer pages) => Page(pages, pages.RequestLanguage, null, null, [], sent: true, StatusCodes.Status200OK);

    private static Task<IResult> Page(PageRenderer pages, string language, string? email, string? frequency, IReadOnlyList<string> errors, bool sent, int status) =>
        pages.PageAsync("embed", "Subscribe.Title", new()
        {
            ["language"] = language,
            ["email"] = email,
            // Only the two values the form accepts go back into it.
            ["frequency"] = string.Equals(frequency, "daily", StringComparison.OrdinalIgnoreCase) ? "daily" : "weekly",
            ["errors"] = errors.ToList(),
            ["sent"] = sent,
        }, status, PageRenderer.EmbedLayout);
}
