using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newsletter.Observability;
using Stripe;

namespace Newsletter.Donations;

/// <summary>
/// The webhook's work, kept short so Stripe gets its 200 fast: verify the signature on the exact body, store the
/// event unique by its id (<see cref="StripeEventInbox"/>, which also enqueues the job that applies it). A bad or stale signature stores nothing.
/// </summary>
public sealed partial class StripeWebhookVerifier(
    StripeEventInbox writer,
    NewsletterMetrics metrics,
    IOptions<StripeOptions> options,
    TimeProvider clock,
    ILogger<StripeWebhookVerifier> logger)
{
    public async Task<WebhookReceipt> ReceiveAsync(string body, string? signatureHeader, CancellationToken cancellationToken)
    {
        var stripe = options.Value;
        if (!stripe.IsConfigured) return new WebhookReceipt(WebhookOutcome.NotConfigured, "Stripe is not configured on this service.");
        if (string.IsNullOrEmpty(signatureHeader)) return Rejected("The Stripe-Signature header is missing.");
        Event stripeEvent;
        try
        {
            stripeEvent = EventUtility.ConstructEvent(body, signatureHeader, stripe.WebhookSecret, stripe.WebhookToleranceSeconds,
                clock.GetUtcNow().ToUnixTimeSeconds(), throwOnApiVersionMismatch: false);
        }
        catch (StripeException e)
        {
            return Rejected(e.Message);
        }
        catch (Exception e) when (e is Newtonsoft.Json.JsonException or System.Text.Json.JsonException or InvalidOperationException or ArgumentException or OverflowException)
        {
            // Stripe.net's parser and signature check throw these for a body that is not an event object (null, an array,
            // a duplicate key, a date past year 9999) or a timestamp past Int32: nothing Stripe sends, so a 400.
            return Rejected("The request is not a Stripe event (a malformed body or timestamp).");
        }
        if (string.IsNullOrEmpty(stripeEvent.Id) || string.IsNullOrEmpty(stripeEvent.Type) || stripeEvent.Id.Length > 255 || stripeEvent.Type.Length > 100)
            return Rejected("The event has no id or type.");
        if (stripeEvent.ApiVersion != StripeConfiguration.ApiVersion)
            LogApiVersionMismatch(logger, stripeEvent.Id, stripeEvent.ApiVersion ?? "(none)", StripeConfiguration.ApiVersion);

        var storedId = await writer.StoreAsync(new VerifiedEvent(stripeEvent.Id, stripeEvent.Type, DateTime.SpecifyKind(stripeEvent.Created, DateTimeKind.Utc),
            clock.GetUtcNow().UtcDateTime, body), cancellationToken);
        metrics.StripeEventReceived(duplicate: storedId is null);
        if (storedId is null) return Duplicate(stripeEvent);
        return new WebhookReceipt(WebhookOutcome.Stored);
    }

    private WebhookReceipt Rejected(string reason)
    {
        LogRejected(logger, reason);
        return new WebhookReceipt(WebhookOutcome.Rejected, reason);
    }

    private WebhookReceipt Duplicate(Event stripeEvent)
    {
        LogDuplicate(logger, stripeEvent.Id, stripeEvent.Type);
        return new WebhookReceipt(WebhookOutcome.Duplicate);
    }

    [LoggerMessage(EventId = 4001, EventName = "StripeWebhookRejected", Level = LogLevel.Warning, Message = "Stripe webhook rejected: {Reason}")]
    private static partial void LogRejected(ILogger logger, string reason);

    [LoggerMessage(EventId = 4002, EventName = "StripeWebhookDuplicate", Level = LogLevel.Debug, Message = "Stripe event {EventId} ({Type}) was already stored")]
    private static partial void LogDuplicate(ILogger logger, string eventId, string type);

    [LoggerMessage(EventId = 4003, EventName = "StripeApiVersionMismatch", Level = LogLevel.Warning,
        Message = "Stripe event {EventId} has API version {EventVersion}, Stripe.net expects {LibraryVersion}; stored anyway, check the webhook endpoint's version")]
    private static partial void LogApiVersionMismatch(ILogger logger, string eventId, string eventVersion, string libraryVersion);
}

public enum WebhookOutcome
{
    Stored,
    Duplicate,
    Rejected,
    NotConfigured,
}

public sealed record WebhookReceipt(WebhookOutcome Outcome, string? Reason = null);
