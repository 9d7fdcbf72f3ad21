using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Newsletter.Links;
using Newsletter.Localization;
using Newsletter.Web;

namespace Newsletter.Subscribers;

/// <summary>
/// The reader's pages: the sign-up form a blog links to, confirm (a button that POSTs, so mail scanners following
/// links confirm nobody), preferences and unsubscribe (RFC 8058: POST unsubscribes at once, GET shows a button).
/// Pages behind a reader's link speak the reader's stored language; the others the request's (see <see cref="PageRenderer"/>).
/// </summary>
public static class SubscriberPages
{
    public static IEndpointRouteBuilder MapSubscriberPages(this IEndpointRouteBuilder routes)
    {
        var pages = routes.MapGroup("").ExcludeFromDescription().DisableAntiforgery();
        pages.MapGet("/subscribe", ShowSignup);
        pages.MapGet("/subscribe/thanks", ShowThanks);
        pages.MapPost("/subscribe", Signup).RequireRateLimiting(RateLimitPolicies.PublicWrites).WithBodyLimit(RequestBodyLimit.Small);
        pages.MapGet("/confirm/{token}", ShowConfirm);
        pages.MapPost("/confirm/{token}", Confirm).RequireRateLimiting(RateLimitPolicies.PublicWrites).WithBodyLimit(RequestBodyLimit.Small);
        pages.MapGet("/preferences/{token}", ShowPreferences);
        pages.MapPost("/preferences/{token}", SavePreferences).RequireRateLimiting(RateLimitPolicies.PublicWrites).WithBodyLimit(RequestBodyLimit.Small);
        pages.MapPost("/preferences/{token}/resubscribe", Resubscribe).RequireRateLimiting(RateLimitPolicies.PublicWrites).WithBodyLimit(RequestBodyLimit.Small);
        pages.MapGet("/unsubscribe/{token}", ShowUnsubscribe);
        pages.MapPost("/unsubscribe/{token}", Unsubscribe).RequireRateLimiting(RateLimitPolicies.PublicWrites).WithBodyLimit(RequestBodyLimit.Small);
        return routes;
    }

    /// <summary>A blog may link here with <c>?return_url=</c> on one of its allowed origins; any other is ignored.</summary>
    private static Task<IResult> ShowSignup(PageRenderer pages, IOptions<SubscriberOptions> options, IOptions<SiteOptions> site, string? email, string? frequency, [FromQuery(Name = "return_url")] string? returnUrl) =>
        SignupForm(pages, options.Value, site.Value, pages.RequestLanguage, email, null, frequency, SignupOrigins.IsAllowedReturnUrl(options.Value, returnUrl) ? returnUrl : null, [], StatusCodes.Status200OK);

    private static Task<IResult> SignupForm(PageRenderer pages, SubscriberOptions options, SiteOptions site, string language, string? email, string? name, string? frequency, string? returnUrl, IEnumerable<string> errors, int status) =>
        pages.PageAsync("subscribe", "Subscribe.Title", new()
        {
            ["language"] = language,
            ["email"] = email,
            ["name"] = name,
            ["frequency"] = frequency ?? "weekly",
            ["topics"] = options.Topics.Select(t => new Dictionary<string, object?> { ["value"] = t, ["name"] = options.TopicName(t, language, site.Language) }).ToList(),
            ["return_url"] = returnUrl,
            ["errors"] = errors.ToList(),
        }, status);

    /// <summary>
    /// The form, ours or a blog's (posting here with a <c>return_url</c> on an allowed origin, which the reader is sent
    /// back to). A return URL anywhere else signs nobody up: we never redirect a reader to a site the publisher did not name.
    /// </summary>
    private static async Task<IResult> Signup(HttpContext http, PageRenderer pages, SubscriptionService subscriptions, ReaderText text, IOptions<SubscriberOptions> options, IOptions<SiteOptions> site, CancellationToken cancellationToken)
    {
        if (await PublicForm.ReadAsync(http, cancellationToken) is not { } form)
            return await pages.MessageAsync("Form.ErrorTitle", "Form.Unreadable", StatusCodes.Status400BadRequest);
        string? returnUrl = form["return_url"];
        var language = ReaderLanguages.Normalize(form["language"]) ?? pages.RequestLanguage;
        if (string.IsNullOrEmpty(returnUrl)) returnUrl = null;
        else if (!SignupOrigins.IsAllowedReturnUrl(options.Value, returnUrl))
            return await pages.MessageAsync("ReturnUrl.Title", "ReturnUrl.Message", StatusCodes.Status400BadRequest, ReaderLanguages.WithLanguage("/subscribe", language, pages.RequestLanguage), "Link.SignUp", language);
        if (await TrySignupAsync(http, form, subscriptions, text, pages.RequestLanguage, options.Value, "form", cancellationToken) is { } rejected)
            return await SignupForm(pages, options.Value, site.Value, language, SafeEcho(rejected.Input.Email), SafeEcho(rejected.Input.Name), rejected.Input.Frequency, returnUrl, rejected.Errors, StatusCodes.Status400BadRequest);
        // Post/redirect/get: the reader lands on a page of its own, so a refresh or Back never posts the form again.
        // Our own page keeps the form's language; a blog's page is the blog's business.
        return new SeeOther(returnUrl ?? ReaderLanguages.WithLanguage(ThanksPath, language, pages.RequestLanguage));
    }

    /// <summary>
    /// Records a posted sign-up (the form, the embedded form); null when it was taken, or dropped by the honeypot (people
    /// never see that field, bots fill every field: answer as if it worked, change nothing); else what was wrong.
    /// </summary>
    internal static async Task<RejectedSignup?> TrySignupAsync(HttpContext http, IFormCollection form, SubscriptionService subscriptions, ReaderText text, string requestLanguage, SubscriberOptions options, string source, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(form["website"])) return null;
        var input = new SignupInput(form["email"], form["name"], form["frequency"], form["topics"].Where(t => t is not null).ToList()!, form["language"]);
        if (!SignupValidation.TryValidate(input, options, requestLanguage, text.In(requestLanguage), out var signup, out var errors))
            return new RejectedSignup(input, errors.Values.SelectMany(e => e).ToList());
        await subscriptions.SubscribeAsync(signup!, SignupContext.From(http, source), cancellationToken);
        return null;
    }

    internal sealed record RejectedSignup(SignupInput Input, IReadOnlyList<string> Errors);

    private const string ThanksPath = "/subscribe/thanks";

    private static Task<IResult> ShowThanks(PageRenderer pages) => pages.MessageAsync("Signup.ThanksTitle", "Signup.Accepted", StatusCodes.Status200OK);

    private static async Task<IResult> ShowConfirm(string token, LinkTokens tokens, SubscriptionService subscriptions, PageRenderer pages, SiteLinks links, IOptions<SiteOptions> site, CancellationToken cancellationToken)
    {
        var check = tokens.Check(token, LinkPurpose.Confirm);
        if (check.Status == LinkTokenStatus.Expired) return await Expired(pages, null);
        if (!check.IsValid) return await InvalidLink(pages, null);
        var subscriber = await subscriptions.FindAsync(check.Subject, cancellationToken);
        if (subscriber is null) return await InvalidLink(pages, null);
        var language = ReaderLanguages.Of(subscriber.Language, site.Value.Language);
        // A link already used says so, instead of asking again for what is done.
        if (subscriber.Status == SubscriberStatus.Confirmed) return await Subscribed(pages, links, subscriber, language, "Confirm.Used");
        // A link from before the reader left no longer joins them: as an expired one, it asks them to sign up again.
        if (!subscriptions.ConfirmationStillAsks(subscriber, check)) return await Expired(pages, null);
        // Showing the page changes nothing: only the button's POST confirms.
        return await pages.PageAsync("confirm", "Confirm.Title", new() { ["email"] = subscriber.Email, ["language"] = language });
    }

    private static async Task<IResult> Confirm(string token, HttpContext http, SubscriptionService subscriptions, PageRenderer pages, SiteLinks links, IOptions<SiteOptions> site, CancellationToken cancellationToken)
    {
        var (status, subscriber) = await subscriptions.ConfirmAsync(token, SignupContext.From(http, "confirm link"), cancellationToken);
        if (status == LinkTokenStatus.Expired) return await Expired(pages, null);
        if (subscriber is null) return await InvalidLink(pages, null);
        return await Subscribed(pages, links, subscriber, ReaderLanguages.Of(subscriber.Language, site.Value.Language), "Confirm.Done");
    }

    private static Task<IResult> Subscribed(PageRenderer pages, SiteLinks links, Subscriber subscriber, string language, string message) =>
        pages.MessageAsync("Subscribed.Title", message, StatusCodes.Status200OK, links.Preferences(subscriber.PublicId), "Link.Preferences", language);

    private static async Task<IResult> ShowPreferences(string token, SubscriptionService subscriptions, PageRenderer pages, IOptions<SubscriberOptions> options, IOptions<SiteOptions> site, CancellationToken cancellationToken)
    {
        var subscriber = await subscriptions.FindByManageTokenAsync(token, cancellationToken);
        return subscriber is null ? await InvalidLink(pages, null) : await PreferencesPage(pages, token, subscriber, options.Value, site.Value, saved: false, [], StatusCodes.Status200OK);
    }

    private static async Task<IResult> SavePreferences(string token, HttpContext http, SubscriptionService subscriptions, PageRenderer pages, ReaderText text, IOptions<SubscriberOptions> options, IOptions<SiteOptions> site, CancellationToken cancellationToken)
    {
        var subscriber = await subscriptions.FindByManageTokenAsync(token, cancellationToken);
        if (subscriber is null) return await InvalidLink(pages, null);
        var current = ReaderLanguages.Of(subscriber.Language, site.Value.Language);
        if (await PublicForm.ReadAsync(http, cancellationToken) is not { } form)
            return await pages.MessageAsync("Form.ErrorTitle", "Form.Unreadable", StatusCodes.Status400BadRequest, language: current);
        var errors = new Dictionary<string, string[]>();
        // The language chosen on this form is the one its answer (and every later email) speaks; none chosen keeps theirs.
        var language = SignupValidation.TryLanguage(form["language"], current, text.In(current), errors);
        var words = text.In(errors.Count == 0 ? language : current);
        var name = SignupValidation.TryName(form["name"], errors, words);
        var frequency = SignupValidation.TryFrequency(form["frequency"], errors, words);
        var topics = SignupValidation.TryTopics(form["topics"].Where(t => t is not null).ToList()!, options.Value, errors, words);
        if (errors.Count > 0)
            return await PreferencesPage(pages, token, subscriber, options.Value, site.Value, saved: false, errors.Values.SelectMany(e => e), StatusCodes.Status400BadRequest);
        subscriber = await subscriptions.UpdatePreferencesAsync(token, name, frequency, topics, string.IsNullOrWhiteSpace(form["language"]) ? null : language, cancellationToken);
        return await PreferencesPage(pages, token, subscriber!, options.Value, site.Value, saved: true, [], StatusCodes.Status200OK);
    }

    private static async Task<IResult> Resubscribe(string token, SubscriptionService subscriptions, PageRenderer pages, IOptions<SubscriberOptions> options, IOptions<SiteOptions> site, CancellationToken cancellationToken)
    {
        var subscriber = await subscriptions.ResubscribeAsync(token, cancellationToken);
        return subscriber is null ? await InvalidLink(pages, null) : await PreferencesPage(pages, token, subscriber, options.Value, site.Value, saved: true, [], StatusCodes.Status200OK);
    }

    private static async Task<IResult> ShowUnsubscribe(string token, SubscriptionService subscriptions, PageRenderer pages, SiteLinks links, IOptions<SiteOptions> site, CancellationToken cancellationToken)
    {
        var subscriber = await subscriptions.FindByManageTokenAsync(token, cancellationToken);
        if (subscriber is null) return await InvalidLink(pages, null);
        return await pages.PageAsync("unsubscribe", "Unsubscribe.Title", new()
        {
            ["email"] = subscriber.Email,
            ["preferences_url"] = links.Preferences(subscriber.PublicId),
            ["language"] = ReaderLanguages.Of(subscriber.Language, site.Value.Language),
        });
    }

    /// <summary>
    /// RFC 8058 one-click: mail providers POST <c>List-Unsubscribe=One-Click</c> here with no cookies and no
    /// confirmation step. The signed token is the authority, so any POST with a valid token unsubscribes; 200 either way.
    /// </summary>
    private static async Task<IResult> Unsubscribe(string token, SubscriptionService subscriptions, PageRenderer pages, SiteLinks links, IOptions<SiteOptions> site, CancellationToken cancellationToken)
    {
        var subscriber = await subscriptions.UnsubscribeAsync(token, "one-click", cancellationToken);
        if (subscriber is null) return await InvalidLink(pages, null);
        return await pages.MessageAsync("Unsubscribed.Title", "Unsubscribed.Message", StatusCodes.Status200OK,
            links.Preferences(subscriber.PublicId), "Unsubscribed.Again", ReaderLanguages.Of(subscriber.Language, site.Value.Language), subscriber.Email);
    }

    private static Task<IResult> PreferencesPage(PageRenderer pages, string token, Subscriber subscriber, SubscriberOptions options, SiteOptions site, bool saved, IEnumerable<string> errors, int status)
    {
        var chosen = subscriber.Topics.Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        var language = ReaderLanguages.Of(subscriber.Language, site.Language);
        return pages.PageAsync("preferences", "Preferences.Title", new()
        {
            ["language"] = language,
            ["email"] = subscriber.Email,
            ["name"] = subscriber.Name,
            ["status"] = subscriber.Status.ToString().ToLowerInvariant(),
            ["frequency"] = subscriber.Frequency.ToString().ToLowerInvariant(),
            ["all_topics"] = options.Topics.Select(t => new Dictionary<string, object?>
            {
                ["value"] = t,
                ["name"] = options.TopicName(t, language, site.Language),
                ["chosen"] = chosen.Contains(t.ToLowerInvariant()),
            }).ToList(),
            ["saved"] = saved,
            ["errors"] = errors.ToList(),
            ["save_url"] = "/preferences/" + token,
            ["resubscribe_url"] = "/preferences/" + token + "/resubscribe",
            ["unsubscribe_url"] = "/unsubscribe/" + token,
        }, status);
    }

    /// <summary>A link we cannot read names no reader: the page speaks the request's language.</summary>
    private static Task<IResult> InvalidLink(PageRenderer pages, string? language) =>
        pages.MessageAsync("InvalidLink.Title", "InvalidLink.Message", StatusCodes.Status404NotFound, "/subscribe", "Link.Subscribe", language);

    private static Task<IResult> Expired(PageRenderer pages, string? language) =>
        pages.MessageAsync("Expired.Title", "Expired.Message", StatusCodes.Status410Gone, "/subscribe", "Link.SignUpAgain", language);

    /// <summary>Echo form input back into the form only when it is harmless (the template encodes it anyway).</summary>
    internal static string? SafeEcho(string? value) => value is null || value.Length > 300 || Email.HeaderText.ContainsControlCharacters(value) ? null : value;
}
