using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newsletter.Data;
using Newsletter.Jobs;

namespace Newsletter.Donations;

/// <summary>
/// Keeps stored Stripe events no longer than Donations:WebhookEventRetention: applied and ignored ones are deleted;
/// failed ones keep their row and note for staff, with the payload cut to ids and amounts. Daily.
/// </summary>
public sealed partial class StripeEventRetention(NewsletterDb db, IOptions<DonationOptions> options, TimeProvider clock, ILogger<StripeEventRetention> logger)
{
    public const string JobId = "stripe-event-retention";

    [AutomaticRetry(Attempts = 3)]
    [SkipWhenRunning]
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var cutoff = now - options.Value.WebhookEventRetention;
        var deleted = await db.Set<StripeWebhookEvent>()
            .Where(e => e.ReceivedAt < cutoff && (e.State == StripeEventState.Processed || e.State == StripeEventState.Ignored))
            .ExecuteDeleteAsync(cancellationToken);
        var failed = await db.Set<StripeWebhookEvent>().Where(e => e.ReceivedAt < cutoff && e.State == StripeEventState.Failed && e.PayloadRedactedAt == null)
            .ToListAsync(cancellationToken);
        foreach (var stored in failed)
        {
            stored.Payload = StripePayloadRedactor.Redact(stored.Payload);
            stored.PayloadRedactedAt = now;
        }
        await db.SaveChangesAsync(cancellationToken);
        LogPruned(logger, deleted, failed.Count);
    }

    [LoggerMessage(EventId = 4042, EventName = "StripeEventsPruned", Level = LogLevel.Information, Message = "Deleted {Deleted} applied Stripe event(s) past retention; redacted {Redacted} failed one(s)")]
    private static partial void LogPruned(ILogger logger, int deleted, int redacted);
}
