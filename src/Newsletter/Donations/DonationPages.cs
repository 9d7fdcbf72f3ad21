using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newsletter.Data;
using Newsletter.Localization;
using Newsletter.Web;
using Stripe;

namespace Newsletter.Donations;

/// <summary>
/// The donor's pages: the donate form (links like <c>/donate?amount=1000&amp;interval=month</c> preselect, and
/// <c>/donate?campaign=slug</c> shows a campaign's progress), the checkout redirect (GET for links, POST from the form),
/// our success and cancel pages, and a campaign's progress image for blogs.
/// </summary>
public static partial class DonationPages
{
    public static IEndpointRouteBuilder MapDonationPages(this IEndpointRouteBuilder routes)
    {
        var pages = routes.MapGroup("/donate").ExcludeFromDescription().DisableAntiforgery();
        pages.MapGet("", ShowForm);
        pages.MapGet("/checkout", CheckoutLink).RequireRateLimiting(RateLimitPolicies.PublicWrites);
        pages.MapPost("/checkout", CheckoutForm).RequireRateLimiting(RateLimitPolicies.PublicWrites).WithBodyLimit(RequestBodyLimit.Small);
        pages.MapGet("/thanks", Thanks);
        pages.MapGet("/cancelled", (PageRenderer renderer) => renderer.MessageAsync("Donate.Cancelled.Title", "Donate.Cancelled.Message", StatusCodes.Status200OK,
            "/donate", "Donate.BackToDonate"));
        pages.MapGet("/campaigns/{slug}/progress.svg", ProgressImage);
        return routes;
    }

    private static async Task<IResult> ShowForm(PageRenderer renderer, ReaderText text, Campaigns campaigns, IOptions<StripeOptions> stripe, IOptions<DonationOptions> options,
        string? amount, string? currency, string? interval, string? name, string? email, string? campaign, CancellationToken cancellationToken)
    {
        if (!stripe.Value.IsConfigured) return await NotConfiguredPage(renderer);
        CampaignProgress? progress = null;
        if (!string.IsNullOrWhiteSpace(campaign))
        {
            var found = await campaigns.BySlugAsync(campaign, cancellationToken);
            if (found is null) return await NoSuchCampaign(renderer);
            progress = await campaigns.ProgressAsync(found, cancellationToken);
        }
        long.TryParse(amount, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var preselected);
        return await Form(renderer, text, renderer.RequestLanguage, options.Value, progress, preselected, null, currency, interval, Echo(name), Echo(email), null, false, new Dictionary<string, string[]>(), StatusCodes.Status200OK);
    }

    /// <summary>A link pasted on the blog: bad input gets a 400 problem and Stripe is never called.</summary>
    private static async Task<IResult> CheckoutLink(IServiceProvider services, PageRenderer renderer, ReaderText text, Campaigns campaigns, IOptions<StripeOptions> stripe, IOptions<DonationOptions> options,
        string? amount, string? currency, string? interval, string? name, string? email, string? message, string? campaign, string? cover_fees, CancellationToken cancellationToken)
    {
        // A link on the blog is opened in a browser: a page, not problem+json, whatever the client accepts.
        if (!stripe.Value.IsConfigured) return await NotConfiguredPage(renderer, StatusCodes.Status503ServiceUnavailable);
        var words = text.In(renderer.RequestLanguage);
        var found = await campaigns.BySlugAsync(campaign, cancellationToken);
        if (!string.IsNullOrWhiteSpace(campaign) && found is null)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["campaign"] = [words["Donate.NoSuchCampaign.Field"]] }, title: words["Donate.LinkNotValid"]);
        if (!CheckoutRequest.TryCreate(options.Value, found, found is null ? null : campaigns.StateOf(found), amount, null, currency, interval, name, email, message, cover_fees,
                words, out var request, out var errors))
            return TypedResults.ValidationProblem(errors, title: words["Donate.LinkNotValid"]);
        return await StartAsync(services, request, cancellationToken);
    }

    private static async Task<IResult> CheckoutForm(HttpContext http, IServiceProvider services, PageRenderer renderer, ReaderText text, Campaigns campaigns, IOptions<StripeOptions> stripe,
        IOptions<DonationOptions> options, CancellationToken cancellationToken)
    {
        if (!stripe.Value.IsConfigured) return await NotConfiguredPage(renderer);
        if (await PublicForm.ReadAsync(http, cancellationToken) is not { } form)
            return await renderer.MessageAsync("Form.ErrorTitle", "Form.Unreadable", StatusCodes.Status400BadRequest);
        // The page's language travels in the form (a page opened with ?lang=de answers in German whatever the browser says).
        var language = ReaderLanguages.Normalize(form["language"]) ?? renderer.RequestLanguage;
        var slug = form["campaign"].ToString();
        var found = await campaigns.BySlugAsync(slug, cancellationToken);
        if (!string.IsNullOrWhiteSpace(slug) && found is null) return await NoSuchCampaign(renderer, language);
        if (!CheckoutRequest.TryCreate(options.Value, found, found is null ? null : campaigns.StateOf(found), form["amount"], form["custom_amount"], form["currency"],
                form["interval"], form["name"], form["email"], form["message"], form["cover_fees"], text.In(language), out var request, out var errors))
        {
            long.TryParse(form["amount"], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var preselected);
            var progress = found is null ? null : await campaigns.ProgressAsync(found, cancellationToken);
            return await Form(renderer, text, language, options.Value, progress, preselected, Echo(form["custom_amount"]), form["currency"], form["interval"], Echo(form["name"]),
                Echo(form["email"]), Echo(form["message"], CheckoutRequest.MaxMessageLength), !string.IsNullOrEmpty(form["cover_fees"]), errors,
                StatusCodes.Status400BadRequest);
        }
        return await StartAsync(services, request, cancellationToken);
    }

    /// <summary>
    /// Where Stripe sends the donor back. It says only what we know: a gift recorded from Stripe's word has gone
    /// through; a session we have not heard about yet is being confirmed; opened without a checkout (or with donations
    /// off), it thanks nobody for a gift that never happened.
    /// </summary>
    private static async Task<IResult> Thanks(PageRenderer renderer, ReaderText text, Campaigns campaigns, NewsletterDb db, IOptions<StripeOptions> stripe,
        string? session_id, string? campaign, CancellationToken cancellationToken)
    {
        if (!stripe.Value.IsConfigured) return await NotConfiguredPage(renderer);
        if (string.IsNullOrWhiteSpace(session_id) || session_id.Length > 255)
            return await renderer.MessageAsync("Donate.NoGift.Title", "Donate.NoGift.Message", StatusCodes.Status200OK, "/donate", "Donate.GoToDonate");
        var outcome = await db.Set<Donation>().AsNoTracking().Where(d => d.StripeCheckoutSessionId == session_id)
            .Select(d => (PaymentOutcome?)d.Outcome).FirstOrDefaultAsync(cancellationToken);
        if (outcome == PaymentOutcome.Failed)
            return await renderer.MessageAsync("Donate.Failed.Title", "Donate.Failed.Message", StatusCodes.Status200OK, "/donate", "Donate.BackToDonate");
        var message = text.Get(renderer.RequestLanguage, outcome == PaymentOutcome.Paid ? "Donate.Thanks.Paid" : "Donate.Thanks.Waiting");
        // The campaign's own thank-you is the staff's words, shown as written.
        var found = await campaigns.BySlugAsync(campaign, cancellationToken);
        if (found?.ThankYouText is { } thanks) message = thanks + " " + message;
        return await renderer.MessageAsync("Donate.Thanks.Title", "{0}", StatusCodes.Status200OK, "/", "Donate.BackToSite", messageArgs: message);
    }

    /// <summary>The campaign's bar as an image, for blogs: refreshed by browsers within a minute.</summary>
    private static async Task<IResult> ProgressImage(HttpContext http, PageRenderer renderer, ReaderText text, Campaigns campaigns, string slug, CancellationToken cancellationToken)
    {
        var campaign = await campaigns.BySlugAsync(slug, cancellationToken);
        if (campaign is null) return TypedResults.NotFound();
        var progress = await campaigns.ProgressAsync(campaign, cancellationToken);
        http.Response.Headers.CacheControl = "public, max-age=60";
        // In the blog reader's language (?lang= on the image, else their browser's): a shared cache keeps one per language.
        http.Response.Headers.Vary = "Accept-Language";
        return Results.Text(CampaignBadge.Svg(progress, text.In(renderer.RequestLanguage)), "image/svg+xml; charset=utf-8", System.Text.Encoding.UTF8);
    }

    private static async Task<IResult> StartAsync(IServiceProvider services, CheckoutRequest request, CancellationToken cancellationToken)
    {
        try
        {
            // Resolved here, not as a handler parameter: without Stripe settings there is no client to build.
            var url = await services.GetRequiredService<CheckoutService>().StartAsync(request, cancellationToken);
            return new SeeOther(url);
        }
        catch (Exception e) when (StripeErrors.IsStripeFailure(e, cancellationToken))
        {
            LogStripeRefused(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DonationPages).FullName!), e, StripeErrors.CodeOf(e));
            var renderer = services.GetRequiredService<PageRenderer>();
            return await renderer.MessageAsync("Donate.Unreachable.Title", "Donate.Unreachable.Message", StatusCodes.Status502BadGateway, "/donate", "Donate.TryAgain",
                request.Language);
        }
    }

    private static Task<IResult> Form(PageRenderer renderer, ReaderText text, string language, DonationOptions options, CampaignProgress? progress, long preselected, string? customAmount, string? currency,
        string? interval, string? name, string? email, string? message, bool coverFees, IReadOnlyDictionary<string, string[]> errors, int status)
    {
        // A running campaign collects in its own currency; an ended or upcoming one shows its bar above the general form.
        var running = progress is { State: CampaignState.Running };
        var chosenCurrency = running ? progress!.Campaign.Currency
            : options.Currencies.FirstOrDefault(c => string.Equals(c, currency, StringComparison.OrdinalIgnoreCase))?.ToLowerInvariant() ?? options.DefaultCurrency;
        var limits = options.AmountsFor(chosenCurrency);
        var presetChosen = limits.PresetAmounts.Contains(preselected);
        var offered = running ? [chosenCurrency] : options.Currencies.Select(c => c.ToLowerInvariant()).ToList();
        var fee = options.FeeCover;
        var words = text.In(language);
        // A campaign's name is the staff's words; "Support us" is ours (PageRenderer translates a key and shows other text as it is).
        return renderer.PageAsync("donate", progress is null ? "Donate.Title" : progress.Campaign.Name, FieldErrors.AddTo(new()
        {
            ["presets"] = limits.PresetAmounts.Select(p => new Dictionary<string, object?>
            {
                ["value"] = p, ["label"] = Money.Format(p, chosenCurrency, words), ["selected"] = p == preselected,
            }).ToList(),
            // A preselected amount that is not a preset (from a link) shows as the custom amount.
            ["custom_amount"] = customAmount ?? (preselected > 0 && !presetChosen ? Money.Major(preselected, chosenCurrency) : null),
            ["currencies"] = offered.Select(c => new Dictionary<string, object?> { ["code"] = c, ["label"] = c.ToUpperInvariant(), ["selected"] = c == chosenCurrency }).ToList(),
            // Presets are in each currency's own units: when they differ, switching currency reloads the page instead of a select.
            ["currency_links"] = !running && options.Amounts.Count > 0,
            ["currency"] = chosenCurrency,
            ["monthly"] = interval is "month" or "monthly",
            ["name"] = name,
            ["email"] = email,
            ["message"] = message,
            ["min"] = Money.Format(limits.MinAmount, chosenCurrency, words),
            ["max"] = Money.Format(limits.MaxAmount, chosenCurrency, words),
            ["max_message"] = CheckoutRequest.MaxMessageLength,
            ["cover_fees_offered"] = fee.Offered,
            ["cover_fees"] = coverFees,
            ["fee_formula"] = fee.Describe(chosenCurrency, words),
            ["fee_example"] = limits.PresetAmounts.Count > 0
                ? words["Donate.FeeExample", Money.Format(fee.FeeFor(limits.PresetAmounts[^1], chosenCurrency), chosenCurrency, words), Money.Format(limits.PresetAmounts[^1], chosenCurrency, words)] : null,
            ["campaign"] = progress is null ? null : new Dictionary<string, object?>
            {
                ["slug"] = progress.Campaign.Slug,
                ["name"] = progress.Campaign.Name,
                ["running"] = running,
                ["summary"] = progress.Summary(words),
                ["percent"] = progress.Percent,
                ["bar_percent"] = progress.BarPercent,
                ["donors"] = progress.DonorCount(words),
                ["when"] = progress.When(words),
            },
            ["errors"] = errors.Values.SelectMany(e => e).ToList(),
            ["language"] = language,
        }, errors, "amount", "currency", "interval", "name", "email", "message", "campaign"), status);
    }

    private static Task<IResult> NotConfiguredPage(PageRenderer renderer, int status = StatusCodes.Status200OK) =>
        renderer.PageAsync("donate-unavailable", "Donate.Unavailable.Title", [], status);

    private static Task<IResult> NoSuchCampaign(PageRenderer renderer, string? language = null) =>
        renderer.MessageAsync("Donate.NoSuchCampaign.Title", "Donate.NoSuchCampaign.Message", StatusCodes.Status404NotFound, "/donate", "Donate.Donate", language);

    private static string? Echo(string? value, int max = 300) =>
        value is null || value.Length > max || Email.HeaderText.ContainsControlCharacters(value) ? null : value;

    [LoggerMessage(EventId = 4031, EventName = "StripeCheckoutRefused", Level = LogLevel.Error, Message = "Stripe did not create the checkout session (code {Code})")]
    private static partial void LogStripeRefused(ILogger logger, Exception error, string code);
}
