using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newsletter.Data;
using Newsletter.Digests;
using Newsletter.Email;
using Newsletter.Jobs;
using Newsletter.Subscribers;

namespace Newsletter.Bounces;

/// <summary>
/// Applies a notice, once: the inbound item's key (unique) is recorded in the same transaction as its effect, so a
/// message read twice, a webhook delivered twice or two workers racing change things once. A hard bounce suppresses at
/// once; soft bounces suppress at <see cref="BounceOptions.SoftLimit"/> within <see cref="BounceOptions.SoftWindow"/>;
/// a complaint suppresses and unsubscribes; a mailto unsubscribe unsubscribes. The delivery is marked Bounced or
/// Complained, and the event with its evidence goes into the reader's history.
/// </summary>
public sealed partial class BouncePolicy(
    NewsletterDb db,
    SuppressionList suppression,
    SubscriptionService subscriptions,
    IOptions<BounceOptions> options,
    TimeProvider clock,
    ILogger<BouncePolicy> logger)
{
    public async Task<BounceResult> ApplyAsync(BounceNotice notice, CancellationToken cancellationToken)
    {
        notice = Storable(notice);
        BounceResult result;
        try
        {
            result = await db.InTransactionAsync(token => ApplyOnceAsync(notice, token), cancellationToken);
        }
        catch (DbUpdateException) when (!cancellationToken.IsCancellationRequested)
        {
            // Another worker recorded the same item between our check and our insert: its effect stands, ours rolled back.
            if (!await IsRecordedAsync(notice.Key)) throw;
            result = new BounceResult(InboundOutcome.Applied, "Already recorded", Duplicate: true);
        }
        // A note may quote a DSN's diagnostic, which names the reader ("550 5.1.1 <ann@example.org> ..."): not in the log.
        if (!result.Duplicate) LogApplied(logger, notice.Source, result.Outcome, ErrorText.WithoutAddresses(result.Note));
        return result;
    }

    private async Task<bool> IsRecordedAsync(string key)
    {
        db.ChangeTracker.Clear();
        return await db.Set<InboundMessage>().AnyAsync(m => m.Key == key, CancellationToken.None);
    }

    private async Task<BounceResult> ApplyOnceAsync(BounceNotice notice, CancellationToken cancellationToken)
    {
        var existing = await db.Set<InboundMessage>().AsNoTracking().Where(m => m.Key == notice.Key).Select(m => new { m.Outcome, m.Note }).FirstOrDefaultAsync(cancellationToken);
        if (existing is not null) return new BounceResult(existing.Outcome, existing.Note ?? "", Duplicate: true);
        var now = clock.GetUtcNow().UtcDateTime;
        var inbound = new InboundMessage { Key = notice.Key, Source = notice.Source, ReceivedAt = now, Outcome = notice.Outcome ?? InboundOutcome.Applied, Note = Truncate(notice.Summary, 1000) };
        db.Add(inbound);
        await db.SaveChangesAsync(cancellationToken);
        if (notice.Outcome is { } preset) return new BounceResult(preset, notice.Summary, Duplicate: false);

        var (outcome, note) = notice.Kind == NoticeKind.Unsubscribe
            ? await UnsubscribeAsync(notice, cancellationToken)
            : await BounceAsync(notice, inbound.Id, now, cancellationToken);
        // By id, not through the change tracker: SuppressionList clears the tracker when it loses a race.
        var id = inbound.Id;
        await db.Set<InboundMessage>().Where(m => m.Id == id)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.Outcome, outcome).SetProperty(m => m.Note, Truncate(note, 1000)), cancellationToken);
        return new BounceResult(outcome, note, Duplicate: false);
    }

    private async Task<(InboundOutcome, string)> UnsubscribeAsync(BounceNotice notice, CancellationToken cancellationToken)
    {
        var subscriber = await subscriptions.UnsubscribeAsync(notice.UnsubscribeToken!, "mailto", cancellationToken);
        return subscriber is null
            ? (InboundOutcome.Forged, "Unsubscribe token does not verify or names nobody.")
            : (InboundOutcome.Applied, $"Subscriber {subscriber.Id} unsubscribed by mail.");
    }

    private async Task<(InboundOutcome, string)> BounceAsync(BounceNotice notice, long inboundId, DateTime now, CancellationToken cancellationToken)
    {
        var target = await FindTargetAsync(notice, cancellationToken);
        if (target is null) return (InboundOutcome.Unmatched, "Names no message or address we mailed: " + notice.Summary);
        if (!EmailAddress.TryParse(target.Email, out var address, out _)) return (InboundOutcome.Unmatched, "The address on record is not valid any more.");
        var kind = notice.Kind switch { NoticeKind.HardBounce => BounceKind.Hard, NoticeKind.SoftBounce => BounceKind.Soft, _ => BounceKind.Complaint };
        var bounce = new BounceEvent
        {
            InboundMessageId = inboundId, At = now, Kind = kind, Source = notice.Source, SubscriberId = target.SubscriberId, AddressHash = AddressHash(address),
            IssueId = target.IssueId, DeliveryId = target.DeliveryId, TransactionalEmailId = target.TransactionalEmailId,
            Status = Truncate(notice.Status, 32), Diagnostic = Truncate(notice.Diagnostic, 1000), RemoteMta = Truncate(notice.RemoteMta, 255),
        };
        db.Add(bounce);
        await db.SaveChangesAsync(cancellationToken);

        string effect;
        switch (kind)
        {
            case BounceKind.Hard:
                await suppression.AddAsync(address, SuppressionReason.HardBounce, Evidence(notice, target), cancellationToken);
                effect = "suppressed";
                break;
            case BounceKind.Soft:
                var count = await SoftBouncesAroundAsync(bounce, cancellationToken);
                var limit = options.Value.SoftLimit;
                if (count >= limit)
                {
                    await suppression.AddAsync(address, SuppressionReason.HardBounce, $"{count} soft bounces within {options.Value.SoftWindow.TotalDays:0} days; last: {Evidence(notice, target)}", cancellationToken);
                    effect = $"soft bounce {count} of {limit}: suppressed";
                }
                else
                {
                    effect = $"soft bounce {count} of {limit} within {options.Value.SoftWindow.TotalDays:0} days";
                }
                break;
            default:
                await suppression.AddAsync(address, SuppressionReason.Complaint, Evidence(notice, target), cancellationToken);
                effect = "unsubscribed and suppressed";
                if (target.SubscriberId is { } id && await db.Set<Subscriber>().FirstOrDefaultAsync(s => s.Id == id, cancellationToken) is { } subscriber)
                    await subscriptions.UnsubscribeAsync(subscriber, "complaint", cancellationToken);
                break;
        }
        var bounceId = bounce.Id;
        await db.Set<BounceEvent>().Where(e => e.Id == bounceId).ExecuteUpdateAsync(s => s.SetProperty(e => e.Effect, effect), cancellationToken);
        if (target.DeliveryId is { } deliveryId) await MarkDeliveryAsync(deliveryId, kind, cancellationToken);
        if (target.SubscriberId is { } subscriberId)
            db.Add(new SubscriberEvent { SubscriberId = subscriberId, At = now, Kind = HistoryKind(kind), Detail = Truncate($"{Evidence(notice, target)}; {effect}", 1000) });
        await db.SaveChangesAsync(cancellationToken);
        return (InboundOutcome.Applied, $"{kind} for {target.Describe()}: {effect}");
    }

    /// <summary>
    /// The most soft bounces of one address inside a single <see cref="BounceOptions.SoftWindow"/> that holds
    /// <paramref name="bounce"/> (saved already). Each is dated by when the message it bounced was sent, so a backlog read
    /// in one look (the mailbox unread for weeks) is not taken for one burst; a provider's notice, which names no
    /// message, by when it came.
    /// </summary>
    private async Task<int> SoftBouncesAroundAsync(BounceEvent bounce, CancellationToken cancellationToken)
    {
        var window = options.Value.SoftWindow;
        var events = await db.Set<BounceEvent>().AsNoTracking().Where(e => e.AddressHash == bounce.AddressHash && e.Kind == BounceKind.Soft)
            .Select(e => new
            {
                e.Id,
                e.At,
                Sent = db.Set<Delivery>().Where(d => d.Id == e.DeliveryId).Select(d => d.SentAt).FirstOrDefault()
                    ?? db.Set<TransactionalEmail>().Where(t => t.Id == e.TransactionalEmailId).Select(t => t.SentAt).FirstOrDefault(),
            })
            .ToListAsync(cancellationToken);
        var dated = events.Select(e => (e.Id, At: e.Sent is { } sent && sent < e.At ? sent : e.At)).ToList();
        var at = dated.Single(e => e.Id == bounce.Id).At;
        var times = dated.Select(e => e.At).ToList();
        var most = 0;
        foreach (var start in times.Where(t => t <= at && at - t <= window))
            most = Math.Max(most, times.Count(t => t >= start && t - start <= window));
        return most;
    }

    /// <summary>
    /// Bounced or Complained, from the states a delivered message can be in. Unknown too: a bounce proves the server
    /// had it. A complaint may follow a soft bounce's mark, never the other way round.
    /// </summary>
    private Task<int> MarkDeliveryAsync(long deliveryId, BounceKind kind, CancellationToken cancellationToken) => kind == BounceKind.Complaint
        ? db.Set<Delivery>().Where(d => d.Id == deliveryId && (d.State == DeliveryState.Sent || d.State == DeliveryState.Unknown || d.State == DeliveryState.Bounced))
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.State, DeliveryState.Complained), cancellationToken)
        : db.Set<Delivery>().Where(d => d.Id == deliveryId && (d.State == DeliveryState.Sent || d.State == DeliveryState.Unknown))
            .ExecuteUpdateAsync(s => s.SetProperty(d => d.State, DeliveryState.Bounced), cancellationToken);

    private async Task<BounceTarget?> FindTargetAsync(BounceNotice notice, CancellationToken cancellationToken)
    {
        if (notice.Message is { Kind: SentMessageKind.Delivery } delivery)
        {
            return await db.Set<Delivery>().AsNoTracking().Where(d => d.Id == delivery.Id && d.IssueId == delivery.IssueId)
                .Join(db.Set<Subscriber>(), d => d.SubscriberId, s => s.Id, (d, s) => new BounceTarget(s.Email, s.Id, d.IssueId, d.Id, null))
                .FirstOrDefaultAsync(cancellationToken);
        }
        if (notice.Message is { Kind: SentMessageKind.Outbox } outbox)
        {
            var recipient = await db.Set<TransactionalEmail>().AsNoTracking().Where(e => e.Id == outbox.Id).Select(e => e.Recipient).FirstOrDefaultAsync(cancellationToken);
            if (recipient is null || !EmailAddress.TryParse(recipient, out var parsed, out _)) return null;
            var subscriberId = await db.Set<Subscriber>().Where(s => s.EmailKey == parsed.Key).Select(s => (long?)s.Id).FirstOrDefaultAsync(cancellationToken);
            return new BounceTarget(recipient, subscriberId, null, null, outbox.Id);
        }
        // A provider names only the address: accept it when we mailed it; the newest delivered copy is the one marked.
        if (!EmailAddress.TryParse(notice.Address, out var address, out _)) return null;
        var subscriber = await db.Set<Subscriber>().AsNoTracking().Where(s => s.EmailKey == address.Key).Select(s => new { s.Id, s.Email }).FirstOrDefaultAsync(cancellationToken);
        if (subscriber is not null)
        {
            var latest = await db.Set<Delivery>().AsNoTracking()
                .Where(d => d.SubscriberId == subscriber.Id && (d.State == DeliveryState.Sent || d.State == DeliveryState.Unknown || d.State == DeliveryState.Bounced || d.State == DeliveryState.Complained))
                .OrderByDescending(d => d.Id).Select(d => new { d.Id, d.IssueId }).FirstOrDefaultAsync(cancellationToken);
            if (latest is not null) return new BounceTarget(subscriber.Email, subscriber.Id, latest.IssueId, latest.Id, null);
        }
        var email = await db.Set<TransactionalEmail>().AsNoTracking()
            .Where(e => e.Recipient == address.Address && (e.State == TransactionalEmailState.Sent || e.State == TransactionalEmailState.Unknown))
            .OrderByDescending(e => e.Id).Select(e => (long?)e.Id).FirstOrDefaultAsync(cancellationToken);
        return email is null ? null : new BounceTarget(address.Address, subscriber?.Id, null, null, email);
    }

    private static string Evidence(BounceNotice notice, BounceTarget target) =>
        $"{notice.Status ?? "no status"} {notice.Diagnostic}".Trim() + (target.IssueId is { } issue ? $" (issue {issue})" : target.TransactionalEmailId is { } email ? $" (email {email})" : "");

    private static string HistoryKind(BounceKind kind) => kind switch
    {
        BounceKind.Hard => "bounce",
        BounceKind.Soft => "soft-bounce",
        _ => "complaint",
    };

    /// <summary>SHA-256 of the lower-cased address: counts soft bounces per address without keeping it in clear.</summary>
    internal static string AddressHash(EmailAddress address) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(address.Key.ToLowerInvariant())));

    private static string? Truncate(string? value, int max) => value is null || value.Length <= max ? value : value[..max];

    /// <summary>
    /// The notice without control characters (tab and line breaks stay): its texts are what anybody's message decodes
    /// to (an encoded-word, a base64 report part), and PostgreSQL refuses a NUL in text, which would leave the message
    /// unrecorded and read again, and failing, on every look.
    /// </summary>
    private static BounceNotice Storable(BounceNotice notice) => notice with
    {
        Key = Printable(notice.Key)!, Summary = Printable(notice.Summary)!, Address = Printable(notice.Address), Status = Printable(notice.Status),
        Diagnostic = Printable(notice.Diagnostic), RemoteMta = Printable(notice.RemoteMta), UnsubscribeToken = Printable(notice.UnsubscribeToken),
    };

    private static string? Printable(string? text) =>
        text is null || !text.Any(IsUnwanted) ? text : string.Concat(text.Where(c => !IsUnwanted(c)));

    private static bool IsUnwanted(char c) => char.IsControl(c) && c is not ('\t' or '\r' or '\n');

    private sealed record BounceTarget(string Email, long? SubscriberId, long? IssueId, long? DeliveryId, long? TransactionalEmailId)
    {
        public string Describe() => IssueId is { } issue ? $"delivery {DeliveryId} of issue {issue}" : TransactionalEmailId is { } id ? $"email {id}" : "an address";
    }

    [LoggerMessage(EventId = 7000, EventName = "BounceApplied", Level = LogLevel.Information, Message = "Inbound {Source} item: {Outcome}, {Note}")]
    private static partial void LogApplied(ILogger logger, BounceSource source, InboundOutcome outcome, string note);
}

/// <summary>What happened to one inbound item; <see cref="Duplicate"/> when it had been recorded before (no effect this time).</summary>
public sealed record BounceResult(InboundOutcome Outcome, string Note, bool Duplicate);
