using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Newsletter.Audit;
using Newsletter.Data;
using Newsletter.Email;

namespace Newsletter.Subscribers;

/// <summary>GDPR rights: a subscriber's data as JSON (art. 15, 20), and erasure (art. 17) that keeps only a hash on the suppression list.</summary>
public sealed partial class SubscriberPrivacy(NewsletterDb db, IEnumerable<ISubscriberDataParticipant> participants, AuditLog audit, TimeProvider clock, ILogger<SubscriberPrivacy> logger)
{
    public async Task<SubscriberDataExport?> ExportAsync(long subscriberId, CancellationToken cancellationToken)
    {
        var subscriber = await db.Set<Subscriber>().AsNoTracking().SingleOrDefaultAsync(s => s.Id == subscriberId, cancellationToken);
        if (subscriber is null) return null;
        var history = await db.Set<SubscriberEvent>().AsNoTracking().Where(e => e.SubscriberId == subscriberId).OrderBy(e => e.At)
            .Select(e => new SubscriberHistoryEntry(e.At, e.Kind, e.Detail)).ToListAsync(cancellationToken);
        var emails = await db.Set<TransactionalEmail>().AsNoTracking().Where(e => e.SubjectId == subscriberId && e.Kind.StartsWith("subscriber."))
            .OrderBy(e => e.Id).Select(e => new SubscriberEmailEntry(e.CreatedAt, e.Kind, e.State.ToString(), e.SentAt)).ToListAsync(cancellationToken);
        var more = new Dictionary<string, object?>();
        foreach (var participant in participants) more[participant.Section] = await participant.ExportAsync(subscriber, cancellationToken);
        return new SubscriberDataExport(
            subscriber.Email, subscriber.Name, subscriber.Frequency.ToString().ToLowerInvariant(), subscriber.Status.ToString().ToLowerInvariant(),
            subscriber.Topics.Split(',', StringSplitOptions.RemoveEmptyEntries), subscriber.CreatedAt, subscriber.ConfirmedAt, subscriber.UnsubscribedAt,
            new SubscriberConsent(subscriber.ConsentAt, subscriber.ConsentSource, subscriber.ConsentIp, subscriber.ConsentUserAgent),
            history, emails, more);
    }

    /// <summary>Deletes the subscriber and everything about them; the address's hash goes on the suppression list.</summary>
    public async Task<bool> EraseAsync(long subscriberId, CancellationToken cancellationToken)
    {
        var erased = await db.InTransactionAsync(async token =>
        {
            var subscriber = await db.Set<Subscriber>().SingleOrDefaultAsync(s => s.Id == subscriberId, token);
            if (subscriber is null) return false;
            var hash = EmailAddress.HashForSuppression(subscriber.EmailKey);
            if (!await db.Set<SuppressedAddress>().AnyAsync(s => s.AddressHash == hash, token))
                db.Add(new SuppressedAddress { AddressHash = hash, Reason = SuppressionReason.Erased, CreatedAt = clock.GetUtcNow().UtcDateTime, Detail = "Erased on request" });
            foreach (var participant in participants) await participant.EraseAsync(subscriber, token);
            await db.Set<TransactionalEmail>().Where(e => e.SubjectId == subscriberId && e.Kind.StartsWith("subscriber.")).ExecuteDeleteAsync(token);
            await db.Set<SubscriberEvent>().Where(e => e.SubscriberId == subscriberId).ExecuteDeleteAsync(token);
            db.Remove(subscriber);
            await db.SaveChangesAsync(token);
            return true;
        }, cancellationToken);
        if (erased)
        {
            LogErased(logger, subscriberId);
            await audit.RecordAsync(AuditActions.SubscriberErased, $"subscriber {subscriberId}", null, cancellationToken);
        }
        return erased;
    }

    [LoggerMessage(EventId = 3030, EventName = "SubscriberErased", Level = LogLevel.Information, Message = "Subscriber {SubscriberId} erased; the address's hash is suppressed")]
    private static partial void LogErased(ILogger logger, long subscriberId);
}

public sealed record SubscriberDataExport(
    string Email, string? Name, string Frequency, string Status, string[] Topics,
    DateTime SubscribedAt, DateTime? ConfirmedAt, DateTime? UnsubscribedAt,
    SubscriberConsent Consent, IReadOnlyList<SubscriberHistoryEntry> History, IReadOnlyList<SubscriberEmailEntry> Emails,
    IReadOnlyDictionary<string, object?> More);

public sealed record SubscriberConsent(DateTime At, string Source, string? IpAddress, string? UserAgent);

public sealed record SubscriberHistoryEntry(DateTime At, string Kind, string? Detail);

public sealed record SubscriberEmailEntry(DateTime CreatedAt, string Kind, string State, DateTime? SentAt);
