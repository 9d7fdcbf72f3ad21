using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Newsletter.Donations;

/// <summary>Staff endpoints for campaigns (with their totals) and payments started outside the service (adopt, dismiss).</summary>
public static class SupporterAdminApi
{
    public sealed record CampaignBody(string? Slug, string? Name, long? GoalAmount, string? Currency, string? StartsOn, string? EndsOn, string? ThankYouText);

    public sealed record CampaignSummary(long Id, string Slug, string Name, long GoalAmount, string Currency, DateOnly StartsOn, DateOnly EndsOn, string? ThankYouText,
        string State, long Raised, long Percent, int Gifts, int Donors, int DaysLeft);

    public sealed record UnmatchedSummary(long Id, string CheckoutSessionId, string? PaymentLinkId, string Mode, long Amount, string Currency, string Outcome,
        string? PayerName, string? PayerEmail, string State, DateTime StripeCreatedAt, string? DecidedBy);

    /// <summary>Adds the routes to the donations group (already behind the staff policy).</summary>
    public static RouteGroupBuilder MapSupporterAdminApi(this RouteGroupBuilder api)
    {
        api.MapGet("/campaigns", ListCampaigns).WithSummary("Campaigns with what each has raised (by the rule in the Donations README).");
        api.MapGet("/campaigns/{id:long}", GetCampaign).WithSummary("One campaign with what it has raised.");
        api.MapPost("/campaigns", CreateCampaign).WithSummary("Create a campaign; goal in minor units.");
        api.MapPut("/campaigns/{id:long}", UpdateCampaign).WithSummary("Change a campaign's name, goal, dates or thank-you text.");
        api.MapGet("/unmatched", ListUnmatched).WithSummary("Checkout payments this service did not start and was not told to record (state=unmatched|adopted|dismissed).");
        api.MapPost("/unmatched/{id:long}/adopt", Adopt).WithSummary("Record the payment as a donation: its stored events are applied again.");
        api.MapPost("/unmatched/{id:long}/dismiss", Dismiss).WithSummary("Leave the payment out of the donations, saying who decided.");
        return api;
    }

    private static async Task<Ok<List<CampaignSummary>>> ListCampaigns(Campaigns campaigns, CancellationToken cancellationToken)
    {
        var list = new List<CampaignSummary>();
        foreach (var campaign in await campaigns.ListAsync(cancellationToken)) list.Add(Summary(await campaigns.ProgressAsync(campaign, cancellationToken)));
        return TypedResults.Ok(list);
    }

    private static async Task<Results<Ok<CampaignSummary>, NotFound>> GetCampaign(long id, Campaigns campaigns, CancellationToken cancellationToken) =>
        await campaigns.ByIdAsync(id, cancellationToken) is { } campaign ? TypedResults.Ok(Summary(await campaigns.ProgressAsync(campaign, cancellationToken))) : TypedResults.NotFound();

    private static Task<Results<Created<CampaignSummary>, Ok<CampaignSummary>, ValidationProblem, NotFound>> CreateCampaign(CampaignBody body, Campaigns campaigns,
        IOptions<DonationOptions> options, CancellationToken cancellationToken) => SaveAsync(null, body, campaigns, options.Value, cancellationToken);

    private static Task<Results<Created<CampaignSummary>, Ok<CampaignSummary>, ValidationProblem, NotFound>> UpdateCampaign(long id, CampaignBody body, Campaigns campaigns,
        IOptions<DonationOptions> options, CancellationToken cancellationToken) => SaveAsync(id, body, campaigns, options.Value, cancellationToken);

    private static async Task<Results<Created<CampaignSummary>, Ok<CampaignSummary>, ValidationProblem, NotFound>> SaveAsync(long? id, CampaignBody body, Campaigns campaigns,
        DonationOptions options, CancellationToken cancellationToken)
    {
        var currency = body.Currency?.Trim().ToLowerInvariant() ?? string.Empty;
        // The API takes minor units like every amount it returns; the dashboard's form takes major units as typed.
        var goal = body.GoalAmount is > 0 and var minor ? Money.Major(minor, currency.Length == 3 ? currency : "usd") : null;
        if (!CampaignInput.TryCreate(options, body.Slug, body.Name, goal, body.Currency, body.StartsOn, body.EndsOn, body.ThankYouText, out var input, out var errors))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["campaign"] = errors.ToArray() });
        if (id is { } existing && await campaigns.ByIdAsync(existing, cancellationToken) is null) return TypedResults.NotFound();
        var (campaign, error) = await campaigns.SaveAsync(id, input, cancellationToken);
        if (campaign is null) return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["campaign"] = [error!] });
        var summary = Summary(await campaigns.ProgressAsync(campaign, cancellationToken));
        return id is null ? TypedResults.Created($"/api/admin/donations/campaigns/{campaign.Id}", summary) : TypedResults.Ok(summary);
    }

    private static async Task<Results<Ok<List<UnmatchedSummary>>, ValidationProblem>> ListUnmatched(UnmatchedPayments unmatched, string? state, CancellationToken cancellationToken)
    {
        var chosen = UnmatchedState.Unmatched;
        if (!string.IsNullOrWhiteSpace(state) && (!Enum.TryParse(state, ignoreCase: true, out chosen) || !Enum.IsDefined(chosen)))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["state"] = ["state must be unmatched, adopted or dismissed."] });
        var rows = await unmatched.ListAsync(chosen, 500, cancellationToken);
        return TypedResults.Ok(rows.Select(u => new UnmatchedSummary(u.Id, u.CheckoutSessionId, u.PaymentLinkId, u.Mode, u.Amount, u.Currency,
            DonationAdminApi.Name(u.Outcome), u.PayerName, u.PayerEmail, DonationAdminApi.Name(u.State), u.StripeCreatedAt, u.DecidedBy)).ToList());
    }

    private static async Task<Results<Accepted, NotFound>> Adopt(long id, HttpContext http, UnmatchedPayments unmatched, CancellationToken cancellationToken) =>
        await unmatched.AdoptAsync(id, http.User.Identity?.Name ?? "api", cancellationToken) ? TypedResults.Accepted((string?)null) : TypedResults.NotFound();

    private static async Task<Results<NoContent, NotFound>> Dismiss(long id, HttpContext http, UnmatchedPayments unmatched, CancellationToken cancellationToken) =>
        await unmatched.DismissAsync(id, http.User.Identity?.Name ?? "api", cancellationToken) ? TypedResults.NoContent() : TypedResults.NotFound();

    public static CampaignSummary Summary(CampaignProgress p) => new(p.Campaign.Id, p.Campaign.Slug, p.Campaign.Name, p.Campaign.GoalAmount, p.Campaign.Currency,
        p.Campaign.StartsOn, p.Campaign.EndsOn, p.Campaign.ThankYouText, DonationAdminApi.Name(p.State), p.Raised, p.Percent, p.Gifts, p.Donors, p.DaysLeft);
}
