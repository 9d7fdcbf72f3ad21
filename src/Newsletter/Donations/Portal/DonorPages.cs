using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Newsletter.Email;
using Newsletter.Links;
using Newsletter.Web;
using Stripe;

namespace Newsletter.Donations;

/// <summary>
/// The donor's own pages. <c>/donate/manage</c> asks for an address and emails a signed link; the link's page lists the
/// donor's monthly gifts with a button per Stripe customer that opens the Billing Portal (a POST, so a mail scanner
/// following the link opens nothing), and their statements as PDF.
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

    private static async Task<IResult> RequestLink(HttpContext http, PageRenderer renderer, DonorPortal portal, CancellationToken cancellationToken)
    {
        var form = await Web.PublicForm.ReadAsync(http, cancellationToken);
        if (!EmailAddress.TryParse(form?["email"], out var address, out var error))
            return await RequestForm(renderer, error, null, StatusCodes.Status400BadRequest);
        await portal.RequestLinkAsync(address, cancellationToken);
        return await renderer.MessageAsync("Check your inbox",
            "If that address has given to us, a link to manage your gifts is on its way. It works for a limited time; ask again whenever you need one.");
    }

    private static async Task<IResult> Manage(string token, PageRenderer renderer, DonorLinks donorLinks, DonorPortal portal, DonationCalendar calendar,
        CancellationToken cancellationToken)
    {
        var (access, status) = await donorLinks.CheckAsync(token, cancellationToken);
        if (access is null) return await NotValid(renderer, status);
        var customers = await portal.CustomersAsync(access.EmailKey, cancellationToken);
        var years = await portal.StatementYearsAsync(access.EmailKey, cancellationToken);
        return await renderer.PageAsync("manage", "Your gifts", new()
        {
            ["token"] = token,
            ["customers"] = customers.Select(c => new Dictionary<string, object?>
            {
                ["id"] = c.CustomerId,
                ["plans"] = c.Plans.Select(p => new Dictionary<string, object?>
                {
                    ["amount"] = Money.Format(p.Amount, p.Currency),
                    ["interval"] = p.Interval,
                    ["status"] = DonationAdminApi.Name(p.Status),
                    ["since"] = calendar.Date(p.StartedAt),
                }).ToList(),
            }).ToList(),
            ["statements"] = years.Select(y => new Dictionary<string, object?> { ["year"] = y, ["url"] = $"/donate/statements/{token}/{y}.pdf" }).ToList(),
        });
    }

    private static async Task<IResult> OpenPortal(string token, HttpContext http, PageRenderer renderer, DonorLinks donorLinks, DonorPortal portal,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var (access, status) = await donorLinks.CheckAsync(token, cancellationToken);
        if (access is null) return await NotValid(renderer, status);
        var form = await Web.PublicForm.ReadAsync(http, cancellationToken);
        try
        {
            var url = await portal.OpenAsync(access, form?["customer"], cancellationToken);
            if (url is null)
                return await renderer.MessageAsync("Something went wrong", "That gift is not one of yours. Please use the buttons on your page.", StatusCodes.Status400BadRequest,
                    "/donate/manage/" + token, "Back to your gifts");
            http.Response.Headers.Location = url;
            return Results.StatusCode(StatusCodes.Status303SeeOther);
        }
        catch (StripeException e)
        {
            LogPortalRefused(loggers.CreateLogger(typeof(DonorPages).FullName!), e, e.StripeError?.Code ?? "(none)");
            return await renderer.MessageAsync("Stripe is not available", "We could not reach our payment provider just now. Please try again in a few minutes.",
                StatusCodes.Status502BadGateway, "/donate/manage/" + token, "Back to your gifts");
        }
    }

    private static async Task<IResult> Statement(string token, int year, PageRenderer renderer, DonorLinks donorLinks, DonorStatements statements,
        CancellationToken cancellationToken)
    {
        var (access, status) = await donorLinks.CheckAsync(token, cancellationToken);
        if (access is null) return await NotValid(renderer, status);
        var statement = year is < 2000 or > 9998 ? null : await statements.BuildAsync(access.EmailKey, year, cancellationToken);
        if (statement is null) return await renderer.MessageAsync("No statement", $"We have no gifts from you in {year}.", StatusCodes.Status404NotFound);
        return Results.File(statements.Pdf(statement), "application/pdf", $"donations-{year}.pdf");
    }

    private static Task<IResult> RequestForm(PageRenderer renderer, string? error, string? notice, int status) =>
        renderer.PageAsync("manage-request", "Manage your gifts", new() { ["error"] = error, ["notice"] = notice }, status);

    /// <summary>An expired link asks for the address again; a forged or erased one is a plain 404.</summary>
    private static Task<IResult> NotValid(PageRenderer renderer, LinkTokenStatus status) => status == LinkTokenStatus.Expired
        ? RequestForm(renderer, null, "That link has expired. Enter your address and we will send a new one.", StatusCodes.Status410Gone)
        : renderer.MessageAsync("Link not valid", "This link is not valid. You can ask for a new one.", StatusCodes.Status404NotFound, "/donate/manage", "Manage your gifts");

    [LoggerMessage(EventId = 4071, EventName = "DonorPortalRefused", Level = LogLevel.Error, Message = "Stripe did not open the Billing Portal (code {Code})")]
    private static partial void LogPortalRefused(ILogger logger, Exception error, string code);
}
