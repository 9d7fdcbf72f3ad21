using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;
using Newsletter.Data;
using Newsletter.Email;
using Newsletter.Links;

namespace Newsletter.Subscribers;

/// <summary>Composes the lifecycle emails (confirm, already subscribed, goodbye) from the subscriber's current row.</summary>
public abstract class SubscriberEmailComposer(NewsletterDb db, EmailRenderer renderer, MessageFactory messages, Links.Links links, IOptions<SiteOptions> site)
    : ITransactionalEmailComposer
{
    public abstract string Kind { get; }
    protected abstract string Template { get; }
    protected abstract string Subject(string siteName);
    /// <summary>Whether the email still makes sense for the reader as they are now (decided at send time, not when queued).</summary>
    protected abstract bool StillWanted(Subscriber subscriber, TransactionalEmail email);
    protected virtual void AddToModel(Subscriber subscriber, TransactionalEmail email, Dictionary<string, object?> model) { }

    /// <summary>
    /// Whether the mail may address the reader by the name on the row. Not in a confirmation: that name was typed by
    /// whoever filled in the form, who may not own the address, and a stranger's text never goes into a mail.
    /// </summary>
    protected virtual bool UsesName => true;

    /// <summary>
    /// Whether the mail carries the reader's preferences link. Not before they have confirmed: the address is not yet
    /// proven theirs, and there is nothing to manage.
    /// </summary>
    protected virtual bool LinksPreferences => true;

    /// <summary>Whether the footer offers Unsubscribe (the layout shows its links only then): not to someone already gone.</summary>
    protected virtual bool LinksUnsubscribe => true;

    public async Task<MimeMessage?> ComposeAsync(TransactionalEmail email, CancellationToken cancellationToken)
    {
        var subscriber = await db.Set<Subscriber>().AsNoTracking().SingleOrDefaultAsync(s => s.Id == email.SubjectId, cancellationToken);
        if (subscriber is null || !StillWanted(subscriber, email)) return null;
        var name = UsesName ? subscriber.Name : null;
        var model = new Dictionary<string, object?>
        {
            ["name"] = name,
            ["email"] = subscriber.Email,
            ["frequency"] = subscriber.Frequency.ToString().ToLowerInvariant(),
        };
        if (LinksPreferences) model["preferences_url"] = links.Preferences(subscriber.PublicId);
        if (LinksUnsubscribe) model["unsubscribe_url"] = links.Unsubscribe(subscriber.PublicId);
        AddToModel(subscriber, email, model);
        var (html, text) = await renderer.RenderAsync(Template, model);
        return messages.Create(subscriber.Email, name, Subject(site.Value.Name), html, text);
    }

    protected Links.Links Links => links;
}

public sealed class ConfirmEmailComposer(NewsletterDb db, EmailRenderer renderer, MessageFactory messages, Links.Links links, IOptions<SiteOptions> site, IOptions<SubscriberOptions> options, TimeProvider clock)
    : SubscriberEmailComposer(db, renderer, messages, links, site)
{
    public override string Kind => SubscriberEmailKinds.Confirm;
    protected override string Template => "confirm";
    protected override string Subject(string siteName) => $"Confirm your subscription to {siteName}";
    // A reader who left and signs up again stays unsubscribed until this link is used (see SubscriptionService.SubscribeAsync),
    // so a confirmation asked for after leaving goes out: it is their way back. One asked for before they left (staff or a
    // mailed unsubscribe ended an unconfirmed sign-up) does not: the later word, leaving, wins.
    protected override bool StillWanted(Subscriber subscriber, TransactionalEmail email) => subscriber.Status switch
    {
        SubscriberStatus.Unconfirmed => true,
        SubscriberStatus.Unsubscribed => subscriber.UnsubscribedAt is not { } left || email.CreatedAt >= left,
        _ => false,
    };

    protected override bool UsesName => false;
    protected override bool LinksPreferences => false;
    protected override bool LinksUnsubscribe => false;

    protected override void AddToModel(Subscriber subscriber, TransactionalEmail email, Dictionary<string, object?> model)
    {
        // The link expires relative to the sign-up that asked for it, not to when the job ran.
        var validFor = email.CreatedAt + options.Value.ConfirmationExpiry - clock.GetUtcNow().UtcDateTime;
        model["confirm_url"] = Links.Confirm(subscriber.PublicId, validFor > TimeSpan.Zero ? validFor : TimeSpan.Zero);
        model["expires_in_days"] = Math.Max(1, (int)Math.Round(options.Value.ConfirmationExpiry.TotalDays));
    }
}

public sealed class AlreadySubscribedEmailComposer(NewsletterDb db, EmailRenderer renderer, MessageFactory messages, Links.Links links, IOptions<SiteOptions> site)
    : SubscriberEmailComposer(db, renderer, messages, links, site)
{
    public override string Kind => SubscriberEmailKinds.AlreadySubscribed;
    protected override string Template => "already-subscribed";
    protected override string Subject(string siteName) => $"You're already subscribed to {siteName}";
    protected override bool StillWanted(Subscriber subscriber, TransactionalEmail email) => subscriber.Status == SubscriberStatus.Confirmed;
}

/// <summary>The welcome after confirming: where the past issues are, and how to change one's choices.</summary>
public sealed class WelcomeEmailComposer(NewsletterDb db, EmailRenderer renderer, MessageFactory messages, Links.Links links, IOptions<SiteOptions> site)
    : SubscriberEmailComposer(db, renderer, messages, links, site)
{
    public override string Kind => SubscriberEmailKinds.Welcome;
    protected override string Template => "welcome";
    protected override string Subject(string siteName) => $"Welcome to {siteName}";
    // Queued at the confirmation; a reader who left before it went out gets no welcome.
    protected override bool StillWanted(Subscriber subscriber, TransactionalEmail email) => subscriber.Status == SubscriberStatus.Confirmed;
    protected override void AddToModel(Subscriber subscriber, TransactionalEmail email, Dictionary<string, object?> model) =>
        model["archive_url"] = Links.Absolute("archive");
}

public sealed class GoodbyeEmailComposer(NewsletterDb db, EmailRenderer renderer, MessageFactory messages, Links.Links links, IOptions<SiteOptions> site)
    : SubscriberEmailComposer(db, renderer, messages, links, site)
{
    public override string Kind => SubscriberEmailKinds.Goodbye;
    protected override string Template => "goodbye";
    protected override string Subject(string siteName) => $"You've unsubscribed from {siteName}";
    protected override bool StillWanted(Subscriber subscriber, TransactionalEmail email) => subscriber.Status == SubscriberStatus.Unsubscribed;
    // The body links the preferences page to come back; there is nothing left to unsubscribe from.
    protected override bool LinksUnsubscribe => false;
}
