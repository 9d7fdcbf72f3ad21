using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Newsletter.Email;
using Newsletter.Links;
using Newsletter.Localization;
using Newsletter.Web;
using Stripe;

namespace Newsletter.Donations;

/// <summary>
/// The donor's own pages. <c>/donate/manage</c> asks for an address and emails a signed link; the link's page lists the
/// donor's monthly gifts with a button per Stripe customer that opens the Billing Portal (a POST, so a mail scanner
/// following the link opens nothing), and their statements as PDF. The pages behind the link speak the donor's language
/// (<see cref="DonorLanguage"/>); the others the request's.
/// </summary>
public static partial class DonorPages
{
    public static IEndpointRouteBuilder MapDonorPages(this IEndpointRouteBuilder routes)
    {
        var pages = routes.MapGroup("/donate").ExcludeFromDescription().DisableAntiforgery();
        pages.MapGet("/manage", (PageRenderer renderer) => RequestForm(renderer, null, null, StatusCodes.Status200OK));
        pages.MapPost("/manage", RequestLink).RequireRateLimiting(RateLimitPolicies.PublicWrites).WithBodyLimit(RequestBodyLimit.Small);
        pages.MapGet("/manage/{token}", Manage);
        pages.MapPost("/manage/{token}/portal", OpenPortal).RequireRateLimiting(RateLimitPolicies.PublicWrites).WithBodyLimit(RequestBodyLimit.Small);
        pages.MapGet("/statements/{token}/{year:int}.pdf", Statement);
        return routes;
    }

    private static async Task<IResult> RequestLink(HttpContext http, PageRenderer renderer, ReaderText text, DonorPortal portal, CancellationToken cancellationToken)
    {
        var form = await Web.PublicForm.ReadAsync(http, cancellationToken);
        // The page's language travels in the form (a page opened with ?lang=de answers in German whatever the browser says).
        var language = ReaderLanguages.Normalize(form?["language"]) ?? renderer.RequestLanguage;
        if (!EmailAddress.TryParse(form?["email"], text.In(language), out var address, out var error))
            return await RequestForm(renderer, error, null, StatusCodes.Status400BadRequest, language);
        await portal.RequestLinkAsync(address, cancellationToken);
        return await renderer.MessageAsync("Signup.ThanksTitle", "Manage.Request.Sent", language: language);
    }

    private static async Task<IResult> Manage(string token, PageRenderer renderer, ReaderText text, DonorLinks donorLinks, DonorPortal portal, DonorLanguage donorLanguage,
        DonationCalendar calendar, CancellationToken cancellationToken)
    {
        var (access, status) = await donorLinks.CheckAsync(token, cancellationToken);
        if (access is null) return await NotValid(renderer, status);
        var language = await donorLanguage.OfReaderAsync(access.EmailKey, cancellationToken) ?? renderer.RequestLanguage;
        var words = text.In(language);
        var customers = await portal.CustomersAsync(access.EmailKey, cancellationToken);
        var years = await portal.StatementYearsAsync(access.EmailKey, cancellationToken);
        return await renderer.PageAsync("manage", "Manage.Title", new()
        {
            ["language"] = language,
            ["token"] = token,
            ["customers"] = customers.Select(c => new Dictionary<string, object?>
            {
                ["id"] = c.CustomerId,
                // "10.00 USD every month since 2026-03-01 (active)", "30.00 USD every 3 months since ...": Stripe's intervals
                // are day, week, month and year, each possibly counted (interval_count).
                ["plans"] = c.Plans.Select(p => new Dictionary<string, object?>
                {
                    ["text"] = p.IntervalCount > 1
                        ? words["Manage.PlanEveryN", Money.Format(p.Amount, p.Currency, words), p.IntervalCount, words["Manage.Units." + p.Interval],
                            calendar.Date(p.StartedAt), words["PlanStatus." + DonationAdminApi.Name(p.Status)]]
                        : words["Manage.Plan", Money.Format(p.Amount, p.Currency, words), words["Manage.Every." + p.Interval],
                            calendar.Date(p.StartedAt), words["PlanStatus." + DonationAdminApi.Name(p.Status)]],
                }).ToList(),
            }).ToList(),
            ["statements"] = years.Select(y => new Dictionary<string, object?> { ["year"] = y, ["url"] = $"/donate/statements/{token}/{y}.pdf" }).ToList(),
        });
    }

    private static async Task<IResult> OpenPortal(string token, HttpContext http, PageRenderer renderer, DonorLinks donorLinks, DonorPortal portal, DonorLanguage donorLanguage,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var (access, status) = await donorLinks.CheckAsync(token, cancellationToken);
        if (access is null) return await NotValid(renderer, status);
        var language = await donorLanguage.OfReaderAsync(access.EmailKey, cancellationToken);
        var form = await Web.PublicForm.ReadAsync(http, cancellationToken);
        try
        {
            var url = await portal.OpenAsync(access, form?["customer"], cancellationToken);
            if (url is null)
                return await renderer.MessageAsync("Form.ErrorTitle", "Manage.NotYours", StatusCodes.Status400BadRequest, "/donate/manage/" + token, "Manage.Back", language);
            http.Response.Headers.Location = url;
            return Results.StatusCode(StatusCodes.Status303SeeOther);
        }
        catch (Exception e) when (StripeErrors.IsStripeFailure(e, cancellationToken))
        {
            LogPortalRefused(loggers.CreateLogger(typeof(DonorPages).FullName!), e, StripeErrors.CodeOf(e));
            return await renderer.MessageAsync("Manage.StripeDown.Title", "Manage.StripeDown.Message", StatusCodes.Status502BadGateway, "/donate/manage/" + token, "Manage.Back",
                language);
        }
    }

    private static async Task<IResult> Statement(string token, int year, PageRenderer renderer, DonorLinks donorLinks, DonorStatements statements,
        DonorLanguage donorLanguage, CancellationToken cancellationToken)
    {
        var (access, status) = await donorLinks.CheckAsync(token, cancellationToken);
        if (access is null) return await NotValid(renderer, status);
        var language = await donorLanguage.OfReaderAsync(access.EmailKey, cancellationToken) ?? renderer.RequestLanguage;
        var statement = year is < 2000 or > 9998 ? null : await statements.BuildAsync(access.EmailKey, year, language, cancellationToken);
        if (statement is null)
            return await renderer.MessageAsync("Manage.NoStatement.Title", "Manage.NoStatement.Message", StatusCodes.Status404NotFound, language: language, messageArgs: year);
        return Results.File(statements.Pdf(statement), "application/pdf", $"donations-{year}.pdf");
    }

    /// <param name="notice">A key of the reader texts.</param>
    private static Task<IResult> RequestForm(PageRenderer renderer, string? error, string? notice, int status, string? language = null)
    {
        language ??= renderer.RequestLanguage;
        return renderer.PageAsync("manage-request", "Manage.Request.Title", new()
        {
            ["language"] = language, ["error"] = error, ["notice"] = notice is null ? null : renderer.Text.Get(language, notice),
        }, status);
    }

    /// <summary>An expired link asks for the address again; a forged or erased one is a plain 404.</summary>
    private static Task<IResult> NotValid(PageRenderer renderer, LinkTokenStatus status) => status == LinkTokenStatus.Expired
        ? RequestForm(renderer, null, "Manage.Expired", StatusCodes.Status410Gone)
        : renderer.MessageAsync("InvalidLink.Title", "Manage.Invalid", StatusCodes.Status404NotFound, "/donate/manage", "Manage.Request.Title");

    [LoggerMessage(EventId = 4071, EventName = "DonorPortalRefused", Level = LogLevel.Error, Message = "Stripe did not open the Billing Portal (code {Code})")]
    private static partial void LogPortalRefused(ILogger logger, Exception error, string code);
}
