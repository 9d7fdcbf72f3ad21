using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;
using Newsletter.Data;
using Newsletter.Email;
using Newsletter.Links;
using Newsletter.Localization;

namespace Newsletter.Subscribers;

/// <summary>
/// Composes the lifecycle emails (confirm, already subscribed, welcome, goodbye) from the subscriber's current row, in
/// the reader's language (theirs, else <c>Site:Language</c>): the templates' words and the subject.
/// </summary>
public abstract class SubscriberEmailComposer(NewsletterDb db, EmailRenderer renderer, MessageFactory messages, SiteLinks links, IOptions<SiteOptions> site, ReaderText text)
    : ITransactionalEmailComposer
{
    public abstract string Kind { get; }
    protected abstract string Template { get; }
    /// <summary>The subject's key in the reader texts; <c>{0}</c> is the site's name.</summary>
    protected abstract string SubjectKey { get; }
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
        var language = ReaderLanguages.Of(subscriber.Language, site.Value.Language);
        var frequency = subscriber.Frequency.ToString().ToLowerInvariant();
        var model = new Dictionary<string, object?>
        {
            ["language"] = language,
            ["name"] = name,
            ["email"] = subscriber.Email,
            ["frequency"] = frequency,
            ["frequency_text"] = text.Get(language, "FrequencyInText." + frequency),
        };
        if (LinksPreferences) model["preferences_url"] = links.Preferences(subscriber.PublicId);
        if (LinksUnsubscribe) model["unsubscribe_url"] = links.Unsubscribe(subscriber.PublicId);
        AddToModel(subscriber, email, model);
        var (html, plain) = await renderer.RenderAsync(Template, model);
        return messages.Create(subscriber.Email, name, text.Get(language, SubjectKey, site.Value.Name), html, plain);
    }

    protected SiteLinks Links => links;
}

public sealed class ConfirmEmailComposer(NewsletterDb db, EmailRenderer renderer, MessageFactory messages, SiteLinks links, IOptions<SiteOptions> site, ReaderText text, IOptions<SubscriberOptions> options, TimeProvider clock)
    : SubscriberEmailComposer(db, renderer, messages, links, site, text)
{
    public override string Kind => SubscriberEmailKinds.Confirm;
    protected override string Template => "confirm";
    protected override string SubjectKey => "Email.Confirm.Subject";
    // A reader who left and signs up again stays unsubscribed until this link is used (see SubscriptionService.SubscribeAsync),
    // so a confirmation asked for after leaving goes out: it is their way back. One asked for before they left (staff or a
    // mailed unsubscribe ended an unconfirmed sign-up) does not: the later word, leaving, wins.
    protected override bool StillWanted(Subscriber subscriber, TransactionalEmail email) => subscriber.Status switch
    {
        SubscriberStatus.Unconfirmed => true,
        SubscriberStatus.Unsubscribed => SubscriptionService.AskedSinceLeaving(subscriber, email.CreatedAt),
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

public sealed class AlreadySubscribedEmailComposer(NewsletterDb db, EmailRenderer renderer, MessageFactory messages, SiteLinks links, IOptions<SiteOptions> site, ReaderText text)
    : SubscriberEmailComposer(db, renderer, messages, links, site, text)
{
    public override string Kind => SubscriberEmailKinds.AlreadySubscribed;
    protected override string Template => "already-subscribed";
    protected override string SubjectKey => "Email.Already.Subject";
    protected override bool StillWanted(Subscriber subscriber, TransactionalEmail email) => subscriber.Status == SubscriberStatus.Confirmed;
}

/// <summary>The welcome after confirming: where the past issues are, and how to change one's choices.</summary>
public sealed class WelcomeEmailComposer(NewsletterDb db, EmailRenderer renderer, MessageFactory messages, SiteLinks links, IOptions<SiteOptions> site, ReaderText text)
    : SubscriberEmailComposer(db, renderer, messages, links, site, text)
{
    public override string Kind => SubscriberEmailKinds.Welcome;
    protected override string Template => "welcome";
    protected override string SubjectKey => "Email.Welcome.Subject";
    // Queued at the confirmation; a reader who left before it went out gets no welcome.
    protected override bool StillWanted(Subscriber subscriber, TransactionalEmail email) => subscriber.Status == SubscriberStatus.Confirmed;
    protected override void AddToModel(Subscriber subscriber, TransactionalEmail email, Dictionary<string, object?> model) =>
        model["archive_url"] = Links.Absolute("archive");
}

public sealed class GoodbyeEmailComposer(NewsletterDb db, EmailRenderer renderer, MessageFactory messages, SiteLinks links, IOptions<SiteOptions> site, ReaderText text)
    : SubscriberEmailComposer(db, renderer, messages, links, site, text)
{
    public override string Kind => SubscriberEmailKinds.Goodbye;
    protected override string Template => "goodbye";
    protected override string SubjectKey => "Email.Goodbye.Subject";
    protected override bool StillWanted(Subscriber subscriber, TransactionalEmail email) => subscriber.Status == SubscriberStatus.Unsubscribed;
    // The body links the preferences page to come back; there is nothing left to unsubscribe from.
    protected override bool LinksUnsubscribe => false;
}
