using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Newsletter.Web;

namespace Newsletter.Bounces;

/// <summary>
/// Provider webhooks, each checked before anything is read into the policy: <c>POST /webhooks/bounces/ses</c> (SNS
/// signature), <c>/postmark</c> (basic authentication), <c>/generic</c> (HMAC). Each notification is applied once,
/// keyed by the provider's id; a repeat answers 200 and changes nothing. Bad input gets problem details and changes nothing.
/// </summary>
public static class BounceWebhookEndpoints
{
    /// <summary>Notifications are a few kilobytes; SES's with full headers stay well under this.</summary>
    public const long MaxBodyBytes = 256 * 1024;

    public static IEndpointRouteBuilder MapBounceWebhooks(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/webhooks/bounces").ExcludeFromDescription().DisableAntiforgery();
        group.MapPost("/ses", Ses).WithBodyLimit(MaxBodyBytes);
        group.MapPost("/postmark", Postmark).WithBodyLimit(MaxBodyBytes);
        group.MapPost("/generic", Generic).WithBodyLimit(MaxBodyBytes);
        return routes;
    }

    private static async Task<Results<Ok<WebhookAnswer>, ProblemHttpResult>> Ses(HttpContext http, SnsMessageVerifier verifier, BounceMatcher matcher,
        BouncePolicy policy, IHttpClientFactory clients, IOptions<BounceOptions> options, CancellationToken cancellationToken)
    {
        var ses = options.Value.Ses;
        if (!ses.Enabled) return NotConfigured("Amazon SES notifications are not enabled (Bounces:Ses:Enabled).");
        var body = await BodyAsync(http, cancellationToken);
        using var document = Parse(body);
        if (document is null || document.RootElement.ValueKind != JsonValueKind.Object) return Rejected("The body is not an SNS message (JSON object).");
        var root = document.RootElement;
        if (await verifier.VerifyAsync(root, cancellationToken) is { } refusal)
            return refusal.TryAgainLater ? TypedResults.Problem(statusCode: 503, title: "Try again later", detail: refusal.Reason) : Rejected(refusal.Reason);
        var topic = SesNotifications.String(root, "TopicArn");
        if (ses.TopicArns.Length > 0 && !ses.TopicArns.Contains(topic, StringComparer.Ordinal)) return Rejected($"Topic {topic} is not in Bounces:Ses:TopicArns.");
        switch (SesNotifications.String(root, "Type"))
        {
            case "SubscriptionConfirmation":
                var subscribe = SesNotifications.String(root, "SubscribeURL");
                if (!SnsMessageVerifier.IsSnsUrl(subscribe)) return Rejected("SubscribeURL is not an https://sns.<region>.amazonaws.com/ URL.");
                using (var client = clients.CreateClient(SnsMessageVerifier.HttpClientName))
                using (var response = await client.GetAsync(subscribe, cancellationToken))
                    if (!response.IsSuccessStatusCode) return TypedResults.Problem(statusCode: 502, title: "Subscription not confirmed", detail: $"SNS answered {(int)response.StatusCode}.");
                return TypedResults.Ok(new WebhookAnswer(["subscribed"]));
            case "Notification":
                var outcomes = new List<string>();
                IReadOnlyList<BounceNotice> notices;
                try
                {
                    notices = SesNotifications.Read(SesNotifications.String(root, "MessageId")!, SesNotifications.String(root, "Message") ?? "", matcher).ToList();
                }
                catch (JsonException)
                {
                    return Rejected("The SNS Message is not an SES notification (JSON).");
                }
                foreach (var notice in notices) outcomes.Add(Describe(await policy.ApplyAsync(notice, cancellationToken)));
                return TypedResults.Ok(new WebhookAnswer(outcomes));
            default:
                return TypedResults.Ok(new WebhookAnswer(["ignored"]));
        }
    }

    private static async Task<Results<Ok<WebhookAnswer>, ProblemHttpResult>> Postmark(HttpContext http, BounceMatcher matcher, BouncePolicy policy,
        IOptions<BounceOptions> options, CancellationToken cancellationToken)
    {
        var postmark = options.Value.Postmark;
        if (!postmark.IsConfigured) return NotConfigured("Postmark webhooks are not set up (Bounces:Postmark:Username and Password).");
        if (!BasicAuthMatches(http.Request.Headers.Authorization, postmark.Username!, postmark.Password!))
        {
            http.Response.Headers.WWWAuthenticate = "Basic realm=\"bounces\"";
            return TypedResults.Problem(statusCode: 401, title: "Authentication required", detail: "Wrong or missing basic authentication.");
        }
        using var document = Parse(await BodyAsync(http, cancellationToken));
        if (document is null || document.RootElement.ValueKind != JsonValueKind.Object) return Rejected("The body is not a Postmark record (JSON object).");
        try
        {
            return TypedResults.Ok(new WebhookAnswer([Describe(await policy.ApplyAsync(PostmarkNotifications.Read(document.RootElement, matcher), cancellationToken))]));
        }
        catch (JsonException e)
        {
            return Rejected(e.Message);
        }
    }

    private static async Task<Results<Ok<WebhookAnswer>, ProblemHttpResult>> Generic(HttpContext http, BounceMatcher matcher, BouncePolicy policy,
        IOptions<BounceOptions> options, TimeProvider clock, CancellationToken cancellationToken)
    {
        var webhook = options.Value.Webhook;
        if (string.IsNullOrEmpty(webhook.Secret)) return NotConfigured("The signed bounce webhook is not set up (Bounces:Webhook:Secret).");
        var body = await BodyAsync(http, cancellationToken);
        if (SignedWebhookNotifications.Verify(body, http.Request.Headers[SignedWebhookNotifications.SignatureHeader], webhook.Secret, webhook.ToleranceSeconds, clock.GetUtcNow()) is { } problem)
            return Rejected(problem);
        using var document = Parse(body);
        if (document is null || document.RootElement.ValueKind != JsonValueKind.Object) return Rejected("The body is not a JSON object.");
        try
        {
            return TypedResults.Ok(new WebhookAnswer([Describe(await policy.ApplyAsync(SignedWebhookNotifications.Read(document.RootElement, matcher), cancellationToken))]));
        }
        catch (JsonException e)
        {
            return Rejected(e.Message);
        }
    }

    private static bool BasicAuthMatches(string? header, string username, string password)
    {
        if (header is null || !header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase)) return false;
        byte[] given;
        try { given = Convert.FromBase64String(header[6..].Trim()); }
        catch (FormatException) { return false; }
        return CryptographicOperations.FixedTimeEquals(given, Encoding.UTF8.GetBytes(username + ":" + password));
    }

    private static async Task<string> BodyAsync(HttpContext http, CancellationToken cancellationToken)
    {
        // The exact bytes the provider signed, as text: nothing parses and re-serialises before verification.
        using var reader = new StreamReader(http.Request.Body, Encoding.UTF8, detectEncodingFromByteOrderMarks: false);
        return await reader.ReadToEndAsync(cancellationToken);
    }

    private static JsonDocument? Parse(string body)
    {
        try { return JsonDocument.Parse(body); }
        catch (JsonException) { return null; }
    }

    private static string Describe(BounceResult result) => result.Duplicate ? "duplicate" : result.Outcome.ToString().ToLowerInvariant();

    private static ProblemHttpResult Rejected(string reason) => TypedResults.Problem(statusCode: 400, title: "Webhook rejected", detail: reason);

    private static ProblemHttpResult NotConfigured(string reason) => TypedResults.Problem(statusCode: 503, title: "Not set up", detail: reason);

    /// <summary>What became of each notification in the request: applied, ignored, unmatched, forged, duplicate...</summary>
    public sealed record WebhookAnswer(IReadOnlyList<string> Outcomes);
}
