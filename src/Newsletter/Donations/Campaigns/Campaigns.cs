using Newsletter.Localization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Newsletter.Data;

namespace Newsletter.Donations;

/// <summary>
/// Campaigns and their progress. Raised money is counted by one rule (<see cref="Campaign"/>): gifts given to the
/// campaign, in its currency, paid between the start of its first day and the end of its last in Donations:TimeZone,
/// net of refunds and lost disputes, and without covered fees unless Donations:FeeCover:CountTowardGoals.
/// </summary>
public sealed class Campaigns(NewsletterDb db, DonationCalendar calendar, IOptions<DonationOptions> options, TimeProvider clock)
{
    public Task<Campaign?> BySlugAsync(string? slug, CancellationToken cancellationToken) =>
        string.IsNullOrWhiteSpace(slug) || slug.Length > 60
            ? Task.FromResult<Campaign?>(null)
            : db.Set<Campaign>().AsNoTracking().SingleOrDefaultAsync(c => c.Slug == slug.Trim().ToLower(), cancellationToken);

    public Task<Campaign?> ByIdAsync(long id, CancellationToken cancellationToken) =>
        db.Set<Campaign>().AsNoTracking().SingleOrDefaultAsync(c => c.Id == id, cancellationToken);

    /// <summary>Every campaign, the newest first.</summary>
    public async Task<IReadOnlyList<Campaign>> ListAsync(CancellationToken cancellationToken) =>
        await db.Set<Campaign>().AsNoTracking().OrderByDescending(c => c.StartsOn).ThenByDescending(c => c.Id).Take(500).ToListAsync(cancellationToken);

    /// <summary>Creates a campaign (<paramref name="id"/> null) or changes one; null and the reason when the slug is taken or the id unknown.</summary>
    public async Task<(Campaign? Campaign, string? Error)> SaveAsync(long? id, CampaignInput input, CancellationToken cancellationToken)
    {
        if (await db.Set<Campaign>().AnyAsync(c => c.Slug == input.Slug && c.Id != id, cancellationToken))
            return (null, $"slug '{input.Slug}' is already used by another campaign.");
        var now = clock.GetUtcNow().UtcDateTime;
        Campaign? campaign;
        if (id is { } existing)
        {
            campaign = await db.Set<Campaign>().SingleOrDefaultAsync(c => c.Id == existing, cancellationToken);
            if (campaign is null) return (null, "There is no such campaign.");
            // Gifts already given were counted in the campaign's currency: it cannot change under them.
            if (campaign.Currency != input.Currency && await db.Set<Donation>().AnyAsync(d => d.CampaignId == existing, cancellationToken))
                return (null, "currency cannot change once the campaign has gifts.");
        }
        else
        {
            campaign = new Campaign { Slug = input.Slug, Name = input.Name, Currency = input.Currency, CreatedAt = now };
            db.Add(campaign);
        }
        (campaign.Slug, campaign.Name, campaign.GoalAmount, campaign.Currency, campaign.StartsOn, campaign.EndsOn, campaign.ThankYouText, campaign.UpdatedAt) =
            (input.Slug, input.Name, input.GoalAmount, input.Currency, input.StartsOn, input.EndsOn, input.ThankYouText, now);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (DatabaseErrors.IsUniqueViolation(e))
        {
            // Two staff saving the same slug at once: the unique index decides (any other failure is not a taken slug).
            db.ChangeTracker.Clear();
            return (null, $"slug '{input.Slug}' is already used by another campaign.");
        }
        return (campaign, null);
    }

    public CampaignState StateOf(Campaign campaign)
    {
        var today = calendar.Today;
        return today < campaign.StartsOn ? CampaignState.Upcoming : today > campaign.EndsOn ? CampaignState.Ended : CampaignState.Running;
    }

    /// <summary>[start, end) in UTC: the start of the first day to the end of the last, in the publisher's zone.</summary>
    public (DateTime From, DateTime To) Window(Campaign campaign) => calendar.Days(campaign.StartsOn, campaign.EndsOn);

    /// <summary>Raised against the goal, gifts, donors, days left.</summary>
    public async Task<CampaignProgress> ProgressAsync(Campaign campaign, CancellationToken cancellationToken)
    {
        var (from, to) = Window(campaign);
        var counted = db.Set<Donation>().AsNoTracking()
            .Where(d => d.CampaignId == campaign.Id && d.Currency == campaign.Currency && d.Outcome == PaymentOutcome.Paid && d.PaidAt >= from && d.PaidAt < to)
            .Select(DonationFigures.Of);
        var feesCount = options.Value.FeeCover.CountTowardGoals;
        var net = await counted.SumAsync(f => f.Gross - f.Refunded - f.LostToDispute, cancellationToken);
        var fees = feesCount ? 0 : await counted.SumAsync(f => f.CoveredFeeInNet, cancellationToken);
        var gifts = await counted.CountAsync(cancellationToken);
        var donors = await counted.Where(f => f.DonorEmailKey != null).Select(f => f.DonorEmailKey).Distinct().CountAsync(cancellationToken)
            + await counted.CountAsync(f => f.DonorEmailKey == null, cancellationToken);
        var raised = net - fees;
        var state = StateOf(campaign);
        var today = calendar.Today;
        var daysLeft = state switch
        {
            CampaignState.Running => campaign.EndsOn.DayNumber - today.DayNumber + 1,
            CampaignState.Upcoming => campaign.EndsOn.DayNumber - campaign.StartsOn.DayNumber + 1,
            _ => 0,
        };
        return new CampaignProgress(campaign, raised, gifts, donors, daysLeft, state);
    }
}

/// <summary>A campaign's numbers, in minor units of its currency.</summary>
public sealed record CampaignProgress(Campaign Campaign, long Raised, int Gifts, int Donors, int DaysLeft, CampaignState State)
{
    /// <summary>Percent of the goal reached, 0 to 100 for the bar (the text may say more).</summary>
    public int BarPercent => Campaign.GoalAmount <= 0 ? 0 : (int)Math.Clamp(Raised * 100 / Campaign.GoalAmount, 0, 100);

    public long Percent => Campaign.GoalAmount <= 0 ? 0 : Math.Max(0, Raised * 100 / Campaign.GoalAmount);

    /// <summary>"12 days left", "Last day", "Starts 2026-03-01", "Ended 2026-03-31", in <paramref name="words"/>'s language.</summary>
    public string When(ReaderWords words) => State switch
    {
        CampaignState.Upcoming => words["Campaign.Starts", Campaign.StartsOn.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)],
        CampaignState.Ended => words["Campaign.Ended", Campaign.EndsOn.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)],
        _ when DaysLeft == 1 => words["Campaign.LastDay"],
        _ => words["Campaign.DaysLeft", DaysLeft],
    };

    /// <summary>"1234.00 USD raised of 5000.00 USD"</summary>
    public string Summary(ReaderWords words) => words["Campaign.Raised", Money.Format(Raised, Campaign.Currency, words), Money.Format(Campaign.GoalAmount, Campaign.Currency, words)];

    /// <summary>"3 donors"</summary>
    public string DonorCount(ReaderWords words) => words[Donors == 1 ? "Campaign.Donors.One" : "Campaign.Donors.Many", Donors];
}
