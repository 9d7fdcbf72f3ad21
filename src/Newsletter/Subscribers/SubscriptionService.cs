using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newsletter.Audit;
using Newsletter.Data;
using Newsletter.Email;
using Newsletter.Links;

namespace Newsletter.Subscribers;

/// <summary>
/// The reader's side of the list: subscribe, confirm, change preferences, unsubscribe, resubscribe.
/// Every change and the email it causes are saved together; the email is sent by a job after the commit.
/// </summary>
public sealed partial class SubscriptionService(
    NewsletterDb db,
    LinkTokens tokens,
    SuppressionList suppression,
    UnsubscribeTombstones tombstones,
    IBackgroundJobClient jobs,
    AuditLog audit,
    IOptions<SubscriberOptions> options,
    TimeProvider clock,
    ILogger<SubscriptionService> logger)
{
    /// <summary>
    /// Records a sign-up. The caller always tells the reader the same thing ("check your inbox"), whatever happened:
    /// the outcome is for logs and tests, never for the response, so nobody can learn who is subscribed.
    /// </summary>
    public async Task<SignupOutcome> SubscribeAsync(Signup signup, SignupContext context, CancellationToken cancellationToken)
    {
        if (await suppression.IsSuppressedAsync(signup.Email, cancellationToken))
        {
            LogSuppressedSignup(logger);
            return SignupOutcome.Suppressed;
        }
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var (outcome, emailId) = await db.InTransactionAsync(token => SubscribeOnceAsync(signup, context, token), cancellationToken);
                if (emailId is long id) jobs.Enqueue<TransactionalEmailJob>(job => job.SendAsync(id, CancellationToken.None));
                return outcome;
            }
            catch (DbUpdateException) when (attempt == 0)
            {
                // Two sign-ups for one new address raced; the unique key kept one. Run again: it now exists.
                db.ChangeTracker.Clear();
            }
        }
    }

    /// <summary>Repeated sign-ups for one address within this window send no further email.</summary>
    public static readonly TimeSpan ResendWindow = TimeSpan.FromMinutes(10);

    private async Task<(SignupOutcome, long? EmailId)> SubscribeOnceAsync(Signup signup, SignupContext context, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var subscriber = await db.Set<Subscriber>().SingleOrDefaultAsync(s => s.EmailKey == signup.Email.Key, cancellationToken);
        SignupOutcome outcome;
        string emailKind;
        if (subscriber is null)
        {
            subscriber = new Subscriber { Email = signup.Email.Address, EmailKey = signup.Email.Key, CreatedAt = now };
            db.Add(subscriber);
            outcome = SignupOutcome.Created;
            emailKind = SubscriberEmailKinds.Confirm;
        }
        else if (subscriber.Status == SubscriberStatus.Confirmed)
        {
            // Nothing changes: whoever typed this address may not own it. The owner gets a link to their preferences.
            outcome = SignupOutcome.AlreadyConfirmed;
            emailKind = SubscriberEmailKinds.AlreadySubscribed;
        }
        else if (subscriber.Status == SubscriberStatus.Unsubscribed)
        {
            // Whoever typed this address may not own it: the reader stays unsubscribed, with their own name, choices and
            // consent record (so the purge of unconfirmed sign-ups never touches them), until the owner confirms from
            // the link mailed to them. Then they are back with what they had chosen, and can change it.
            outcome = SignupOutcome.Returning;
            emailKind = SubscriberEmailKinds.Confirm;
        }
        else
        {
            // Unconfirmed: nobody has confirmed these details yet; the newest sign-up is the one to confirm.
            outcome = SignupOutcome.Repeated;
            emailKind = SubscriberEmailKinds.Confirm;
        }
        if (outcome is SignupOutcome.Created or SignupOutcome.Repeated)
        {
            subscriber.Name = signup.Name;
            subscriber.Frequency = signup.Frequency;
            subscriber.Topics = signup.Topics;
            subscriber.Language = signup.Language;
            subscriber.UpdatedAt = now;
            subscriber.ConsentAt = now;
            subscriber.ConsentSource = context.Source;
            subscriber.ConsentIp = context.IpAddress;
            subscriber.ConsentUserAgent = context.UserAgent;
        }
        await db.SaveChangesAsync(cancellationToken);

        db.Add(new SubscriberEvent { SubscriberId = subscriber.Id, At = now, Kind = "signup", Detail = $"{outcome} via {context.Source}" });
        // The form can be pointed at someone else's address: one email per address per window, however often it is submitted.
        var since = now - ResendWindow;
        var recentlyMailed = outcome != SignupOutcome.Created && await db.Set<TransactionalEmail>()
            .AnyAsync(e => e.SubjectId == subscriber.Id && e.Kind == emailKind && e.CreatedAt > since, cancellationToken);
        TransactionalEmail? email = null;
        if (!recentlyMailed)
        {
            email = new TransactionalEmail { Kind = emailKind, SubjectId = subscriber.Id, Recipient = subscriber.Email, CreatedAt = now };
            db.Add(email);
        }
        await db.SaveChangesAsync(cancellationToken);
        LogSignup(logger, subscriber.Id, outcome);
        return (outcome, email?.Id);
    }

    /// <summary>
    /// Confirms the sign-up behind a confirmation token. Confirming twice is fine. A reader who had unsubscribed and
    /// signed up again is back with their own earlier choices; their consent is this confirmation (<paramref name="context"/>).
    /// </summary>
    public async Task<(LinkTokenStatus Status, Subscriber? Subscriber)> ConfirmAsync(string token, SignupContext context, CancellationToken cancellationToken)
    {
        var check = tokens.Check(token, LinkPurpose.Confirm);
        if (!check.IsValid) return (check.Status, null);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var (subscriber, welcomeId) = await ConfirmOnceAsync(check, context, cancellationToken);
                // A link from before the reader left: leaving, the later word, stands; the link has done its time.
                if (subscriber is { Status: SubscriberStatus.Unsubscribed }) return (LinkTokenStatus.Expired, null);
                if (welcomeId is long id) jobs.Enqueue<TransactionalEmailJob>(job => job.SendAsync(id, CancellationToken.None));
                return subscriber is null ? (LinkTokenStatus.Invalid, null) : (LinkTokenStatus.Valid, subscriber);
            }
            catch (DbUpdateException) when (attempt == 0)
            {
                // The same link pressed twice at once: the welcome's once-key kept one confirmation; this one now finds it done.
                db.ChangeTracker.Clear();
            }
        }
    }

    /// <summary>
    /// Whether a request to join made at <paramref name="askedAt"/> (a sign-up, its confirmation link) still stands for
    /// the reader as they are now: not if they left after it. The later word, leaving, wins; a new sign-up asks again.
    /// </summary>
    public static bool AskedSinceLeaving(Subscriber subscriber, DateTime askedAt) =>
        subscriber.Status != SubscriberStatus.Unsubscribed || subscriber.UnsubscribedAt is not { } left || askedAt >= left;

    /// <summary>
    /// Whether a valid confirmation link still asks for <paramref name="subscriber"/>: not if it is from a sign-up older
    /// than their leaving. The sign-up asked when the link was made, <see cref="SubscriberOptions.ConfirmationExpiry"/>
    /// before it expires.
    /// </summary>
    public bool ConfirmationStillAsks(Subscriber subscriber, LinkTokenCheck check) =>
        check.ExpiresAt - options.Value.ConfirmationExpiry is not { } asked || AskedSinceLeaving(subscriber, asked);

    private async Task<(Subscriber?, long? WelcomeId)> ConfirmOnceAsync(LinkTokenCheck check, SignupContext context, CancellationToken cancellationToken)
    {
        TransactionalEmail? welcome = null;
        var subscriber = await db.Set<Subscriber>().SingleOrDefaultAsync(s => s.PublicId == check.Subject, cancellationToken);
        if (subscriber is null) return (null, null);
        if (!ConfirmationStillAsks(subscriber, check)) return (subscriber, null);
        if (subscriber.Status != SubscriberStatus.Confirmed)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var returning = subscriber.Status == SubscriberStatus.Unsubscribed;
            subscriber.Status = SubscriberStatus.Confirmed;
            subscriber.ConfirmedAt = now;
            subscriber.UnsubscribedAt = null;
            subscriber.UpdatedAt = now;
            if (returning)
            {
                subscriber.ConsentAt = now;
                subscriber.ConsentSource = context.Source;
                subscriber.ConsentIp = context.IpAddress;
                subscriber.ConsentUserAgent = context.UserAgent;
            }
            db.Add(new SubscriberEvent { SubscriberId = subscriber.Id, At = now, Kind = "confirmed", Detail = returning ? "came back" : null });
            welcome = await QueueWelcomeAsync(subscriber, now, cancellationToken);
            // One save: the confirmation and its welcome are in the outbox together, or neither is.
            await db.SaveChangesAsync(cancellationToken);
            await tombstones.LiftAsync(subscriber.EmailKey, cancellationToken);
            LogConfirmed(logger, subscriber.Id);
        }
        return (subscriber, welcome?.Id);
    }

    /// <summary>
    /// The welcome, at most once per reader: its once-key is the reader's id, so a reader who leaves and confirms again,
    /// or two presses of the link at once, never get a second one (the unique index settles a race).
    /// </summary>
    private async Task<TransactionalEmail?> QueueWelcomeAsync(Subscriber subscriber, DateTime now, CancellationToken cancellationToken)
    {
        if (!options.Value.SendWelcomeEmail) return null;
        var onceKey = subscriber.Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (await db.Set<TransactionalEmail>().AnyAsync(e => e.Kind == SubscriberEmailKinds.Welcome && e.OnceKey == onceKey, cancellationToken)) return null;
        var welcome = new TransactionalEmail { Kind = SubscriberEmailKinds.Welcome, SubjectId = subscriber.Id, OnceKey = onceKey, Recipient = subscriber.Email, CreatedAt = now };
        db.Add(welcome);
        return welcome;
    }

    /// <summary>The subscriber with this public id, or null.</summary>
    public Task<Subscriber?> FindAsync(Guid publicId, CancellationToken cancellationToken) =>
        db.Set<Subscriber>().AsNoTracking().SingleOrDefaultAsync(s => s.PublicId == publicId, cancellationToken);

    /// <summary>The subscriber behind a manage token (preferences, unsubscribe), or null.</summary>
    public async Task<Subscriber?> FindByManageTokenAsync(string token, CancellationToken cancellationToken)
    {
        var check = tokens.Check(token, LinkPurpose.Manage);
        if (!check.IsValid) return null;
        return await db.Set<Subscriber>().SingleOrDefaultAsync(s => s.PublicId == check.Subject, cancellationToken);
    }

    /// <summary>Saves new preferences for the reader behind a manage token; a null <paramref name="language"/> keeps theirs.</summary>
    public async Task<Subscriber?> UpdatePreferencesAsync(string token, string? name, DigestFrequency frequency, string topics, string? language, CancellationToken cancellationToken)
    {
        var subscriber = await FindByManageTokenAsync(token, cancellationToken);
        if (subscriber is null) return null;
        var now = clock.GetUtcNow().UtcDateTime;
        subscriber.Name = name;
        subscriber.Frequency = frequency;
        subscriber.Topics = topics;
        if (language is not null) subscriber.Language = language;
        subscriber.UpdatedAt = now;
        db.Add(new SubscriberEvent { SubscriberId = subscriber.Id, At = now, Kind = "preferences", Detail = $"{frequency}; topics: {(topics.Length == 0 ? "all" : topics)}; language: {subscriber.Language ?? "site's"}" });
        await db.SaveChangesAsync(cancellationToken);
        return subscriber;
    }

    /// <summary>Unsubscribes at once (RFC 8058 one-click, the page's button, staff). Doing it twice changes nothing.</summary>
    public async Task<Subscriber?> UnsubscribeAsync(string token, string source, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var subscriber = await FindByManageTokenAsync(token, cancellationToken);
                if (subscriber is null) return null;
                await UnsubscribeAsync(subscriber, source, cancellationToken);
                return subscriber;
            }
            catch (DbUpdateException e) when (attempt == 0 && DatabaseErrors.IsUniqueViolation(e))
            {
                // The mail provider's one-click POST and the reader's click at the same moment: the other one's
                // unsubscribe (its tombstone, its goodbye) stands; this one now finds the reader gone.
                db.ChangeTracker.Clear();
            }
        }
    }

    public async Task UnsubscribeAsync(Subscriber subscriber, string source, CancellationToken cancellationToken)
    {
        if (subscriber.Status == SubscriberStatus.Unsubscribed) return;
        var wasConfirmed = subscriber.Status == SubscriberStatus.Confirmed;
        var now = clock.GetUtcNow().UtcDateTime;
        subscriber.Status = SubscriberStatus.Unsubscribed;
        subscriber.UnsubscribedAt = now;
        subscriber.UpdatedAt = now;
        db.Add(new SubscriberEvent { SubscriberId = subscriber.Id, At = now, Kind = "unsubscribed", Detail = source });
        await tombstones.StageAsync(subscriber.EmailKey, cancellationToken);
        TransactionalEmail? goodbye = null;
        if (wasConfirmed && options.Value.SendGoodbyeEmail)
        {
            // Once per confirmed stay: two unsubscribes racing from the same confirmation collide on this key.
            var onceKey = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{subscriber.Id}:{subscriber.ConfirmedAt?.Ticks}");
            goodbye = new TransactionalEmail { Kind = SubscriberEmailKinds.Goodbye, SubjectId = subscriber.Id, OnceKey = onceKey, Recipient = subscriber.Email, CreatedAt = now };
            db.Add(goodbye);
        }
        await db.SaveChangesAsync(cancellationToken);
        if (goodbye is not null) jobs.Enqueue<TransactionalEmailJob>(job => job.SendAsync(goodbye.Id, CancellationToken.None));
        LogUnsubscribed(logger, subscriber.Id, source);
        if (source.StartsWith("staff", StringComparison.Ordinal))
            await audit.RecordAsync(AuditActions.SubscriberUnsubscribed, $"subscriber {subscriber.Id}", null, cancellationToken);
    }

    /// <summary>Comes back from the preferences page: the signed link proves the address, so no new confirmation.</summary>
    public async Task<Subscriber?> ResubscribeAsync(string token, CancellationToken cancellationToken)
    {
        var subscriber = await FindByManageTokenAsync(token, cancellationToken);
        if (subscriber is null || subscriber.Status == SubscriberStatus.Confirmed) return subscriber;
        if (await suppression.IsSuppressedAsync(EmailAddress.FromStored(subscriber.Email), cancellationToken)) return subscriber;
        var now = clock.GetUtcNow().UtcDateTime;
        subscriber.Status = SubscriberStatus.Confirmed;
        subscriber.ConfirmedAt = now;
        subscriber.UnsubscribedAt = null;
        subscriber.UpdatedAt = now;
        db.Add(new SubscriberEvent { SubscriberId = subscriber.Id, At = now, Kind = "resubscribed" });
        await db.SaveChangesAsync(cancellationToken);
        await tombstones.LiftAsync(subscriber.EmailKey, cancellationToken);
        return subscriber;
    }

    [LoggerMessage(EventId = 3000, EventName = "SubscriberSignup", Level = LogLevel.Information, Message = "Sign-up for subscriber {SubscriberId}: {Outcome}")]
    private static partial void LogSignup(ILogger logger, long subscriberId, SignupOutcome outcome);

    [LoggerMessage(EventId = 3001, EventName = "SubscriberSignupSuppressed", Level = LogLevel.Information, Message = "Sign-up for a suppressed address ignored")]
    private static partial void LogSuppressedSignup(ILogger logger);

    [LoggerMessage(EventId = 3002, EventName = "SubscriberConfirmed", Level = LogLevel.Information, Message = "Subscriber {SubscriberId} confirmed")]
    private static partial void LogConfirmed(ILogger logger, long subscriberId);

    [LoggerMessage(EventId = 3003, EventName = "SubscriberUnsubscribed", Level = LogLevel.Information, Message = "Subscriber {SubscriberId} unsubscribed ({Source})")]
    private static partial void LogUnsubscribed(ILogger logger, long subscriberId, string source);
}

public enum SignupOutcome
{
    Created,
    Repeated,
    Returning,
    AlreadyConfirmed,
    Suppressed,
}
