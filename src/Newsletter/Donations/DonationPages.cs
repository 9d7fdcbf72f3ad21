using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newsletter.Web;
using Stripe;

namespace Newsletter.Donations;

/// <summary>
/// The donor's pages: the donate form (links like <c>/donate?amount=1000&amp;interval=month</c> preselect), the
/// checkout redirect (GET for links, POST from the form), and our success and cancel pages.
/// </summary>
public static partial class DonationPages
{
    public static IEndpointRouteBuilder MapDonationPages(this IEndpointRouteBuilder routes)
    {
        var pages = routes.MapGroup("/donate").ExcludeFromDescription().DisableAntiforgery();
        pages.MapGet("", ShowForm);
        pages.MapGet("/checkout", CheckoutLink).RequireRateLimiting(RateLimitPolicies.PublicWrites);
        pages.MapPost("/checkout", CheckoutForm).RequireRateLimiting(RateLimitPolicies.PublicWrites).WithBodyLimit(RequestBodyLimit.Small);
        pages.MapGet("/thanks", (PageRenderer renderer) => renderer.MessageAsync("Thank you!",
            "Your gift has gone through. A receipt is on its way to your inbox.", StatusCodes.Status200OK, "/", "Back to the site"));
        pages.MapGet("/cancelled", (PageRenderer renderer) => renderer.MessageAsync("No payment made",
            "You left the payment page, so nothing was charged. You can try again whenever you like.", StatusCodes.Status200OK, "/donate", "Back to the donate page"));
        return routes;
    }

    private static Task<IResult> ShowForm(PageRenderer renderer, IOptions<StripeOptions> stripe, IOptions<DonationOptions> options,
        string? amount, string? currency, string? interval, string? name, string? email)
    {
        if (!stripe.Value.IsConfigured) return NotConfiguredPage(renderer);
        long.TryParse(amount, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var preselected);
        return Form(renderer, options.Value, preselected, null, currency, interval, Echo(name), Echo(email), null, [], StatusCodes.Status200OK);
    }

    /// <summary>A link pasted on the blog: bad input gets a 400 problem and Stripe is never called.</summary>
    private static async Task<IResult> CheckoutLink(IServiceProvider services, IOptions<StripeOptions> stripe, IOptions<DonationOptions> options,
        string? amount, string? currency, string? interval, string? name, string? email, string? message, CancellationToken cancellationToken)
    {
        if (!stripe.Value.IsConfigured)
            return TypedResults.Problem(statusCode: 503, title: "Donations are not set up", detail: "This site does not take donations online yet.");
        if (!CheckoutRequest.TryCreate(options.Value, amount, null, currency, interval, name, email, message, out var request, out var errors))
            return TypedResults.ValidationProblem(errors, title: "The donation link is not valid");
        return await StartAsync(services, request, cancellationToken);
    }

    private static async Task<IResult> CheckoutForm(HttpContext http, IServiceProvider services, PageRenderer renderer, IOptions<StripeOptions> stripe,
        IOptions<DonationOptions> options, CancellationToken cancellationToken)
    {
        if (!stripe.Value.IsConfigured) return await NotConfiguredPage(renderer);
        if (await PublicForm.ReadAsync(http, cancellationToken) is not { } form)
            return await renderer.MessageAsync("Something went wrong", "The form could not be read. Please try again.", StatusCodes.Status400BadRequest);
        if (!CheckoutRequest.TryCreate(options.Value, form["amount"], form["custom_amount"], form["currency"], form["interval"], form["name"], form["email"], form["message"],
                out var request, out var errors))
        {
            long.TryParse(form["amount"], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var preselected);
            return await Form(renderer, options.Value, preselected, Echo(form["custom_amount"]), form["currency"], form["interval"], Echo(form["name"]), Echo(form["email"]),
                Echo(form["message"], CheckoutRequest.MaxMessageLength), errors.Values.SelectMany(e => e), StatusCodes.Status400BadRequest);
        }
        return await StartAsync(services, request, cancellationToken);
    }

    private static async Task<IResult> StartAsync(IServiceProvider services, CheckoutRequest request, CancellationToken cancellationToken)
    {
        try
        {
            // Resolved here, not as a handler parameter: without Stripe settings there is no client to build.
            var url = await services.GetRequiredService<CheckoutService>().StartAsync(request, cancellationToken);
            return new SeeOther(url);
        }
        catch (StripeException e)
        {
            LogStripeRefused(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(DonationPages).FullName!), e, e.StripeError?.Code ?? "(none)");
            return await services.GetRequiredService<PageRenderer>().MessageAsync("The payment page is not available",
                "We could not reach our payment provider just now, and nothing was charged. Please try again in a few minutes.", StatusCodes.Status502BadGateway, "/donate", "Try again");
        }
    }

    private static Task<IResult> Form(PageRenderer renderer, DonationOptions options, long preselected, string? customAmount, string? currency, string? interval,
        string? name, string? email, string? message, IEnumerable<string> errors, int status)
    {
        var chosenCurrency = options.Currencies.FirstOrDefault(c => string.Equals(c, currency, StringComparison.OrdinalIgnoreCase)) ?? options.DefaultCurrency;
        var presetChosen = options.PresetAmounts.Contains(preselected);
        return renderer.PageAsync("donate", "Support us", new()
        {
            ["presets"] = options.PresetAmounts.Select(p => new Dictionary<string, object?>
            {
                ["value"] = p, ["label"] = Money.Format(p, chosenCurrency), ["selected"] = p == preselected,
            }).ToList(),
            // A preselected amount that is not a preset (from a link) shows as the custom amount.
            ["custom_amount"] = customAmount ?? (preselected > 0 && !presetChosen ? MajorUnits(preselected, chosenCurrency) : null),
            ["currencies"] = options.Currencies.Select(c => new Dictionary<string, object?> { ["code"] = c.ToLowerInvariant(), ["label"] = c.ToUpperInvariant(), ["selected"] = c.Equals(chosenCurrency, StringComparison.OrdinalIgnoreCase) }).ToList(),
            ["monthly"] = interval is "month" or "monthly",
            ["name"] = name,
            ["email"] = email,
            ["message"] = message,
            ["min"] = Money.Format(options.MinAmount, chosenCurrency),
            ["max"] = Money.Format(options.MaxAmount, chosenCurrency),
            ["max_message"] = CheckoutRequest.MaxMessageLength,
            ["errors"] = errors.ToList(),
        }, status);
    }

    private static Task<IResult> NotConfiguredPage(PageRenderer renderer) =>
        renderer.PageAsync("donate-unavailable", "Donations are not available", [], StatusCodes.Status200OK);

    private static string MajorUnits(long amount, string currency) => Money.Format(amount, currency).Split(' ')[0];

    private static string? Echo(string? value, int max = 300) =>
        value is null || value.Length > max || Email.HeaderText.ContainsControlCharacters(value) ? null : value;

    /// <summary>303: the browser follows with a GET to Stripe, whatever method brought it here.</summary>
    private sealed class SeeOther(string url) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
            httpContext.Response.Headers.Location = url;
            return Task.CompletedTask;
        }
    }

    [LoggerMessage(EventId = 4031, EventName = "StripeCheckoutRefused", Level = LogLevel.Error, Message = "Stripe did not create the checkout session (code {Code})")]
    private static partial void LogStripeRefused(ILogger logger, Exception error, string code);
}
