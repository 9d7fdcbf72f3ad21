using System.Linq.Expressions;

namespace Newsletter.Donations;

/// <summary>
/// What one paid donation adds up to; the one place for the money rules every total uses (dashboard, API, statements,
/// campaigns, export). Net is gross less refunds less a lost dispute (the card network took back what was left); an
/// open or won dispute takes nothing. The covered fee is part of the gross and of the net, kept apart for goals.
/// </summary>
public sealed class DonationFigures
{
    public long Id { get; init; }
    public required string Currency { get; init; }
    public DateTime PaidAt { get; init; }
    public long Gross { get; init; }
    public long Refunded { get; init; }
    public long LostToDispute { get; init; }

    /// <summary>The part of the net that the donor added to cover card fees (never more than the net).</summary>
    public long CoveredFeeInNet { get; init; }

    public long? CampaignId { get; init; }
    public string? DonorEmailKey { get; init; }
    public string? DonorName { get; init; }

    public long Net => Gross - Refunded - LostToDispute;

    /// <summary>What counts toward a campaign goal: the net, without the covered fee unless fees count.</summary>
    public long TowardGoal(bool feesCount) => feesCount ? Net : Net - CoveredFeeInNet;

    /// <summary>The projection, translated to SQL, so sums run in the database.</summary>
    public static readonly Expression<Func<Donation, DonationFigures>> Of = d => new DonationFigures
    {
        Id = d.Id,
        Currency = d.Currency,
        PaidAt = d.PaidAt ?? d.CreatedAt,
        Gross = d.Amount,
        Refunded = d.AmountRefunded,
        LostToDispute = d.Dispute == DisputeState.Lost ? d.Amount - d.AmountRefunded : 0,
        CoveredFeeInNet = d.Dispute == DisputeState.Lost || d.AmountRefunded >= d.Amount ? 0
            : d.CoveredFee <= d.Amount - d.AmountRefunded ? d.CoveredFee : d.Amount - d.AmountRefunded,
        CampaignId = d.CampaignId,
        DonorEmailKey = d.DonorEmailKey,
        DonorName = d.DonorName,
    };

    private static readonly Func<Donation, DonationFigures> Compiled = Of.Compile();

    /// <summary>The same figures for a donation already in memory.</summary>
    public static DonationFigures For(Donation donation) => Compiled(donation);
}
