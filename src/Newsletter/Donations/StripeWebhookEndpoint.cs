using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Newsletter.Web;

namespace Newsletter.Donations;

/// <summary><c>POST /webhooks/stripe</c>: verified on the raw body, stored by event id, applied later by a job.</summary>
public static class StripeWebhookEndpoint
{
    /// <summary>Stripe's events are a few kilobytes; a checkout session with many line items stays well under this.</summary>
    public const long MaxBodyBytes = 512 * 1024;

    public static IEndpointRouteBuilder MapStripeWebhook(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/webhooks/stripe", Receive).ExcludeFromDescription().DisableAntiforgery().WithBodyLimit(MaxBodyBytes);
        return routes;
    }

    private static async Task<IResult> Receive(HttpContext http, StripeWebhookVerifier inbox, CancellationToken cancellationToken)
    {
        // The exact bytes Stripe signed, as text: nothing may parse and re-serialise the JSON before verification.
        using var reader = new StreamReader(http.Request.Body, Encoding.UTF8, detectEncodingFromByteOrderMarks: false);
        var body = await reader.ReadToEndAsync(cancellationToken);
        var receipt = await inbox.ReceiveAsync(body, http.Request.Headers["Stripe-Signature"], cancellationToken);
        return receipt.Outcome switch
        {
            WebhookOutcome.Stored or WebhookOutcome.Duplicate => Results.Ok(),
            WebhookOutcome.NotConfigured => Results.Problem(statusCode: 503, title: "Donations are not set up", detail: receipt.Reason),
            _ => Results.Problem(statusCode: 400, title: "Webhook rejected", detail: receipt.Reason),
        };
    }
}
