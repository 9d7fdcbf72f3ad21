using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Newsletter.Web;

namespace Newsletter.Subscribers;

/// <summary>The public JSON API for sign-ups (what a blog's own form can call).</summary>
public static class SubscriberApi
{
    /// <summary>The CORS policy of the sign-up API: the origins of <see cref="SubscriberOptions.AllowedOrigins"/>.</summary>
    public const string CorsPolicy = "signup-origins";

    public const string AcceptedMessage = "Thanks! Check your inbox for a link to confirm your subscription.";

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
    public sealed record SubscribeRequest(string? Email, string? Name, string? Frequency, List<string>? Topics, string? Website = null);

    public sealed record SubscribeAccepted(string Message);

    private static async Task<Results<Accepted<SubscribeAccepted>, ValidationProblem>> Subscribe(
        SubscribeRequest request, SubscriptionService subscriptions, IOptions<SubscriberOptions> options, HttpContext http, CancellationToken cancellationToken)
    {
        // A bot filled the field people never see: answer as if it worked, change nothing.
        if (!string.IsNullOrEmpty(request.Website)) return TypedResults.Accepted((string?)null, new SubscribeAccepted(AcceptedMessage));
        if (!SignupValidation.TryValidate(new SignupInput(request.Email, request.Name, request.Frequency, request.Topics), options.Value, out var signup, out var errors))
            return TypedResults.ValidationProblem(errors, title: "The sign-up has errors.");
        await subscriptions.SubscribeAsync(signup!, SignupContext.From(http, "api"), cancellationToken);
        return TypedResults.Accepted((string?)null, new SubscribeAccepted(AcceptedMessage));
    }
}
