using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Newsletter.Donations;

namespace Newsletter.Host.Dashboard.Pages.Admin.Donations;

/// <summary>Campaigns: each one's totals (raised against the goal, gifts, donors, days left), the snippet a blog embeds, and a form to create or change one.</summary>
public sealed class CampaignsModel(Campaigns campaigns, IOptions<DonationOptions> options, Links.SiteLinks links, Localization.ReaderText text, IOptions<Links.SiteOptions> site)
    : StaffPage
{
    public override string Title => "Campaigns";

    [BindProperty(SupportsGet = true)] public long? Edit { get; set; }
    [BindProperty(SupportsGet = true)] public string? Notice { get; set; }
    [BindProperty] public CampaignForm Form { get; set; } = new();

    public IReadOnlyList<CampaignProgress> List { get; private set; } = [];
    public IReadOnlyList<string> Errors { get; private set; } = [];
    public IReadOnlyList<string> Currencies => options.Value.Currencies;
    public bool FeesCount => options.Value.FeeCover.CountTowardGoals;

    /// <summary>The snippet for the blog, in the site's language (its readers see the image's alt text).</summary>
    public string Snippet(Campaign campaign) => CampaignBadge.Snippet(links, campaign, text.In(Localization.ReaderLanguages.Of(null, site.Value.Language)));

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (Edit is { } id)
        {
            if (await campaigns.ByIdAsync(id, cancellationToken) is not { } campaign) return NotFound();
            Form = CampaignForm.From(campaign);
        }
        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostSaveAsync(CancellationToken cancellationToken)
    {
        var errors = new List<string>();
        if (CampaignInput.TryCreate(options.Value, Form.Slug, Form.Name, Form.Goal, Form.Currency, Form.StartsOn, Form.EndsOn, Form.ThankYouText, out var input, out var problems))
        {
            var (saved, error) = await campaigns.SaveAsync(Form.Id, input, cancellationToken);
            if (saved is not null) return Redirect("/admin/donations/campaigns?notice=saved");
            errors.Add(error!);
        }
        else errors.AddRange(problems);
        Errors = errors;
        Edit = Form.Id;
        await LoadAsync(cancellationToken);
        var page = Page();
        page.StatusCode = StatusCodes.Status400BadRequest;
        return page;
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var list = new List<CampaignProgress>();
        foreach (var campaign in await campaigns.ListAsync(cancellationToken)) list.Add(await campaigns.ProgressAsync(campaign, cancellationToken));
        List = list;
    }
}

/// <summary>The campaign form as typed: the goal in major units.</summary>
public sealed class CampaignForm
{
    public long? Id { get; set; }
    public string? Name { get; set; }
    public string? Slug { get; set; }
    public string? Goal { get; set; }
    public string? Currency { get; set; }
    public string? StartsOn { get; set; }
    public string? EndsOn { get; set; }
    public string? ThankYouText { get; set; }

    public static CampaignForm From(Campaign c) => new()
    {
        Id = c.Id, Name = c.Name, Slug = c.Slug, Goal = Money.Major(c.GoalAmount, c.Currency), Currency = c.Currency,
        StartsOn = c.StartsOn.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
        EndsOn = c.EndsOn.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), ThankYouText = c.ThankYouText,
    };
}
