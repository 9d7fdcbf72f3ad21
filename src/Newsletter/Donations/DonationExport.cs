using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using Microsoft.EntityFrameworkCore;
using Newsletter.Audit;
using Newsletter.Data;

namespace Newsletter.Donations;

/// <summary>Streams donations as CSV for accounting, a page at a time by id. Amounts in major units with their currency; net is after refunds and lost disputes.</summary>
public sealed class DonationExport(NewsletterDb db, AuditLog audit)
{
    private const int PageSize = 2000;

    public static readonly string[] Columns =
    [
        "id", "paid_at", "created_at", "source", "kind", "status", "amount", "refunded", "net", "currency", "donor_name", "donor_email", "message",
        "stripe_checkout_session", "stripe_payment_intent", "stripe_invoice", "offline_reference", "recurring_plan_id",
        "lost_to_dispute", "covered_fee", "campaign_id", "stripe_customer",
    ];

    /// <summary>Writes every donation created or paid in [from, to) (all when both are null), oldest id first.</summary>
    public async Task WriteCsvAsync(Stream output, DateTime? from, DateTime? to, CancellationToken cancellationToken)
    {
        await audit.RecordAsync(AuditActions.DonationsExported, null, $"from {from:yyyy-MM-dd} to {to:yyyy-MM-dd}", cancellationToken);
        await using var writer = new StreamWriter(output, new System.Text.UTF8Encoding(false), 64 * 1024, leaveOpen: true);
        // Names and messages are donor-supplied: escape anything a spreadsheet would run as a formula.
        await using var csv = new CsvWriter(writer, new CsvConfiguration(CultureInfo.InvariantCulture) { InjectionOptions = InjectionOptions.Escape });
        foreach (var column in Columns) csv.WriteField(column);
        await csv.NextRecordAsync();
        long lastId = 0;
        while (true)
        {
            var query = db.Set<Donation>().AsNoTracking().Where(d => d.Id > lastId);
            if (from is { } start) query = query.Where(d => (d.PaidAt ?? d.CreatedAt) >= start);
            if (to is { } end) query = query.Where(d => (d.PaidAt ?? d.CreatedAt) < end);
            var page = await query.OrderBy(d => d.Id).Take(PageSize).ToListAsync(cancellationToken);
            if (page.Count == 0) break;
            foreach (var d in page)
            {
                csv.WriteField(d.Id);
                csv.WriteField(Iso(d.PaidAt));
                csv.WriteField(Iso(d.CreatedAt));
                csv.WriteField(d.Source);
                csv.WriteField(DonationAdminApi.Name(d.Kind));
                csv.WriteField(DonationAdminApi.Name(d.Status));
                csv.WriteField(Major(d.Amount, d.Currency));
                csv.WriteField(Major(d.AmountRefunded, d.Currency));
                var figures = DonationFigures.For(d);
                csv.WriteField(Major(figures.Net, d.Currency));
                csv.WriteField(d.Currency.ToUpperInvariant());
                csv.WriteField(d.DonorName);
                csv.WriteField(d.DonorEmail);
                csv.WriteField(d.Message);
                csv.WriteField(d.StripeCheckoutSessionId);
                csv.WriteField(d.StripePaymentIntentId);
                csv.WriteField(d.StripeInvoiceId);
                csv.WriteField(d.OfflineReference);
                csv.WriteField(d.RecurringPlanId);
                csv.WriteField(Major(figures.LostToDispute, d.Currency));
                csv.WriteField(Major(d.CoveredFee, d.Currency));
                csv.WriteField(d.CampaignId);
                csv.WriteField(d.StripeCustomerId);
                await csv.NextRecordAsync();
            }
            await csv.FlushAsync();
            lastId = page[^1].Id;
        }
    }

    private static string Major(long amount, string currency) => Money.Major(amount, currency);

    private static string Iso(DateTime? value) => value?.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) ?? string.Empty;
}
