using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Newsletter.Localization;
using Newsletter.Web;

namespace Newsletter.Subscribers;

/// <summary>The public JSON API for sign-ups (what a blog's own form can call).</summary>
public static class SubscriberApi
{
    /// <summary>The CORS policy of the sign-up API: the origins of <see cref="SubscriberOptions.AllowedOrigins"/>.</summary>
    public const string CorsPolicy = "signup-origins";

    public static IEndpointRouteBuilder MapSubscriberApi(this IEndpointRouteBuilder routes)
    {
        var api = routes.MapGroup("/api/subscribers").WithTags("Subscribers");
        api.MapPost("/", Subscribe)
            .WithName("Subscribe")
            .WithSummary("Sign up a reader; a confirmation email follows (double opt-in).")
            .WithDescription("Answers the same for new, pending and existing addresses, so it cannot be used to learn who is subscribed.")
            .RequireCors(CorsPolicy)
            .RequireRateLimiting(RateLimitPolicies.PublicWrites)
            .WithBodyLimit(RequestBodyLimit.Small);
        return routes;
    }

    /// <param name="Website">The honeypot: a blog's form has a field people never see and bots fill; leave it empty.</param>
    /// <param name="Language">The reader's language (en, de); none: Accept-Language, else Site:Language. Messages come back in it.</param>
    public sealed record SubscribeRequest(string? Email, string? Name, string? Frequency, List<string>? Topics, string? Website = null, string? Language = null);

    public sealed record SubscribeAccepted(string Message);

    private static async Task<Results<Accepted<SubscribeAccepted>, ValidationProblem>> Subscribe(
        SubscribeRequest request, SubscriptionService subscriptions, PageRenderer pages, ReaderText text, IOptions<SubscriberOptions> options, HttpContext http, CancellationToken cancellationToken)
    {
        var words = text.In(ReaderLanguages.Normalize(request.Language) ?? pages.RequestLanguage);
        var accepted = new SubscribeAccepted(words["Signup.Accepted"]);
        // A bot filled the field people never see: answer as if it worked, change nothing.
        if (!string.IsNullOrEmpty(request.Website)) return TypedResults.Accepted((string?)null, accepted);
        if (!SignupValidation.TryValidate(new SignupInput(request.Email, request.Name, request.Frequency, request.Topics, request.Language), options.Value, pages.RequestLanguage, words, out var signup, out var errors))
            return TypedResults.ValidationProblem(errors, title: words["Signup.HasErrors"]);
        await subscriptions.SubscribeAsync(signup!, SignupContext.From(http, "api"), cancellationToken);
        return TypedResults.Accepted((string?)null, accepted);
    }
}
