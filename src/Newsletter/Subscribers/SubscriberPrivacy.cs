using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Newsletter.Audit;
using Newsletter.Data;
using Newsletter.Email;

namespace Newsletter.Subscribers;

/// <summary>
/// GDPR rights: a person's data as JSON (art. 15, 20), and erasure (art. 17) that keeps only a hash on the suppression
/// list. A person is a subscriber, or only an address other features hold data about (a donor who never subscribed).
/// </summary>
public sealed partial class SubscriberPrivacy(NewsletterDb db, IEnumerable<ISubscriberDataParticipant> participants, SuppressionList suppression, UnsubscribeTombstones tombstones, AuditLog audit, ILogger<SubscriberPrivacy> logger)
{
    public async Task<SubscriberDataExport?> ExportAsync(long subscriberId, CancellationToken cancellationToken)
    {
        var subscriber = await db.Set<Subscriber>().AsNoTracking().SingleOrDefaultAsync(s => s.Id == subscriberId, cancellationToken);
        if (subscriber is null) return null;
        var history = await db.Set<SubscriberEvent>().AsNoTracking().Where(e => e.SubscriberId == subscriberId).OrderBy(e => e.At)
            .Select(e => new SubscriberHistoryEntry(e.At, e.Kind, e.Detail)).ToListAsync(cancellationToken);
        var emails = await db.Set<TransactionalEmail>().AsNoTracking().Where(e => e.SubjectId == subscriberId && e.Kind.StartsWith("subscriber."))
            .OrderBy(e => e.Id).Select(e => new SubscriberEmailEntry(e.CreatedAt, e.Kind, e.State.ToString(), e.SentAt)).ToListAsync(cancellationToken);
        return new SubscriberDataExport(
            subscriber.Email, subscriber.Name, subscriber.Frequency.ToString().ToLowerInvariant(), subscriber.Status.ToString().ToLowerInvariant(),
            subscriber.Topics.Split(',', StringSplitOptions.RemoveEmptyEntries), subscriber.CreatedAt, subscriber.ConfirmedAt, subscriber.UnsubscribedAt,
            new SubscriberConsent(subscriber.ConsentAt, subscriber.ConsentSource, subscriber.ConsentIp, subscriber.ConsentUserAgent),
            history, emails, await SectionsAsync(DataSubject.Of(subscriber), cancellationToken));
    }

    /// <summary>
    /// Everything held about an address: the subscriber's export when they are one, else what other features hold
    /// (donations, plans). Null when nothing is held at all.
    /// </summary>
    public async Task<PersonDataExport?> ExportPersonAsync(EmailAddress address, CancellationToken cancellationToken)
    {
        var subscriberId = await SubscriberIdAsync(address, cancellationToken);
        if (subscriberId is { } id)
        {
            var export = await ExportAsync(id, cancellationToken);
            return export is null ? null : new PersonDataExport(address.Address, export, export.More);
        }
        var sections = await SectionsAsync(DataSubject.Of(address), cancellationToken);
        return sections.Values.All(v => v is null) ? null : new PersonDataExport(address.Address, null, sections);
    }

    /// <summary>Deletes the subscriber and everything about them; the address's hash goes on the suppression list.</summary>
    public async Task<bool> EraseAsync(long subscriberId, CancellationToken cancellationToken)
    {
        var subject = await db.InTransactionAsync(async token =>
        {
            var subscriber = await db.Set<Subscriber>().SingleOrDefaultAsync(s => s.Id == subscriberId, token);
            if (subscriber is null) return null;
            var subject = DataSubject.Of(subscriber);
            await SuppressAsync(subject, token);
            foreach (var participant in participants) await participant.EraseAsync(subject, token);
            await db.Set<TransactionalEmail>().Where(e => e.SubjectId == subscriberId && e.Kind.StartsWith("subscriber.")).ExecuteDeleteAsync(token);
            await db.Set<SubscriberEvent>().Where(e => e.SubscriberId == subscriberId).ExecuteDeleteAsync(token);
            // The suppression list now says more than the tombstone did: keep one hash of the address, not two.
            await tombstones.LiftAsync(subject.EmailKey, token);
            db.Remove(subscriber);
            await db.SaveChangesAsync(token);
            return subject;
        }, cancellationToken);
        if (subject is null) return false;
        await AfterErasureAsync(subject, cancellationToken);
        LogErased(logger, subscriberId);
        await audit.RecordAsync(AuditActions.SubscriberErased, $"subscriber {subscriberId}", null, cancellationToken);
        return true;
    }

    /// <summary>
    /// Erases whoever <paramref name="address"/> is: the subscriber (as <see cref="EraseAsync"/>), or a person other
    /// features hold data about (a donor who never subscribed), whose address then also goes on the suppression list.
    /// False when nothing is held about the address (and nothing is stored then, not even its hash).
    /// </summary>
    public async Task<bool> ErasePersonAsync(EmailAddress address, CancellationToken cancellationToken)
    {
        if (await SubscriberIdAsync(address, cancellationToken) is { } id) return await EraseAsync(id, cancellationToken);
        var subject = DataSubject.Of(address);
        var touched = await db.InTransactionAsync(async token =>
        {
            var count = 0;
            foreach (var participant in participants) count += await participant.EraseAsync(subject, token);
            if (count > 0) await SuppressAsync(subject, token);
            return count;
        }, cancellationToken);
        if (touched == 0) return false;
        await AfterErasureAsync(subject, cancellationToken);
        LogPersonErased(logger, touched);
        await audit.RecordAsync(AuditActions.DonorErased, null, $"{touched} record(s) anonymised", cancellationToken);
        return true;
    }

    private async Task<Dictionary<string, object?>> SectionsAsync(DataSubject subject, CancellationToken cancellationToken)
    {
        var sections = new Dictionary<string, object?>();
        foreach (var participant in participants) sections[participant.Section] = await participant.ExportAsync(subject, cancellationToken);
        return sections;
    }

    private async Task AfterErasureAsync(DataSubject subject, CancellationToken cancellationToken)
    {
        foreach (var participant in participants) await participant.ErasedAsync(subject, cancellationToken);
    }

    private Task<long?> SubscriberIdAsync(EmailAddress address, CancellationToken cancellationToken) =>
        db.Set<Subscriber>().Where(s => s.EmailKey == address.Key).Select(s => (long?)s.Id).SingleOrDefaultAsync(cancellationToken);

    private async Task SuppressAsync(DataSubject subject, CancellationToken cancellationToken)
    {
        await suppression.StageAsync(subject.EmailKey, SuppressionReason.Erased, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
    }

    [LoggerMessage(EventId = 3030, EventName = "SubscriberErased", Level = LogLevel.Information, Message = "Subscriber {SubscriberId} erased; the address's hash is suppressed")]
    private static partial void LogErased(ILogger logger, long subscriberId);

    [LoggerMessage(EventId = 3031, EventName = "PersonErased", Level = LogLevel.Information, Message = "A person who is not a subscriber was erased ({Records} records); the address's hash is suppressed")]
    private static partial void LogPersonErased(ILogger logger, int records);
}

public sealed record SubscriberDataExport(
    string Email, string? Name, string Frequency, string Status, string[] Topics,
    DateTime SubscribedAt, DateTime? ConfirmedAt, DateTime? UnsubscribedAt,
    SubscriberConsent Consent, IReadOnlyList<SubscriberHistoryEntry> History, IReadOnlyList<SubscriberEmailEntry> Emails,
    IReadOnlyDictionary<string, object?> More);

/// <summary>What is held about an address: the subscriber's export when they are one, and every feature's section.</summary>
public sealed record PersonDataExport(string Email, SubscriberDataExport? Subscriber, IReadOnlyDictionary<string, object?> Records);

public sealed record SubscriberConsent(DateTime At, string Source, string? IpAddress, string? UserAgent);

public sealed record SubscriberHistoryEntry(DateTime At, string Kind, string? Detail);

public sealed record SubscriberEmailEntry(DateTime CreatedAt, string Kind, string State, DateTime? SentAt);
