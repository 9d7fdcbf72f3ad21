using System.Security.Cryptography;
using System.Text;
using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Newsletter.Audit;
using Newsletter.Data;
using Newsletter.Email;

namespace Newsletter.Donations;

/// <summary>
/// Queues one statement email per donor who gave in a year. Each goes into the outbox with a once-key of year and
/// donor, so pressing the button twice sends nobody a second statement.
/// </summary>
public sealed partial class AnnualStatements(NewsletterDb db, DonationCalendar calendar, IBackgroundJobClient jobs, AuditLog audit, TimeProvider clock, ILogger<AnnualStatements> logger)
{
    public async Task<StatementRun> QueueAsync(int year, CancellationToken cancellationToken)
    {
        // The publisher's year (Donations:TimeZone): a gift at 20:00 on 31 December in New York is in it.
        var (from, to) = calendar.Year(year);
        var donors = await db.Set<Donation>().AsNoTracking()
            .Where(d => d.Outcome == PaymentOutcome.Paid && d.PaidAt >= from && d.PaidAt < to && d.DonorEmailKey != null)
            .GroupBy(d => d.DonorEmailKey).Select(g => new { Key = g.Key!, Email = g.Max(d => d.DonorEmail)! })
            .ToListAsync(cancellationToken);
        int queued;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                queued = await QueueOnceAsync(year, donors.Select(d => (d.Key, d.Email)).ToList(), cancellationToken);
                break;
            }
            catch (DbUpdateException e) when (attempt < 3 && DatabaseErrors.IsUniqueViolation(e))
            {
                // Another run (a second click, another staff member) queued some of these at the same moment: read again
                // what is queued now, and add only the rest.
                db.ChangeTracker.Clear();
            }
        }
        // The outbox sweep sends them over one connection.
        if (queued > 0) jobs.Enqueue<TransactionalEmailJob>(job => job.SweepAsync(CancellationToken.None));
        LogQueued(logger, year, queued, donors.Count - queued);
        await audit.RecordAsync(AuditActions.StatementsQueued, year.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{queued} queued, {donors.Count - queued} already sent", cancellationToken);
        return new StatementRun(year, donors.Count, queued, donors.Count - queued);
    }

    private Task<int> QueueOnceAsync(int year, List<(string Key, string Email)> donors, CancellationToken cancellationToken) =>
        db.InTransactionAsync(async token =>
        {
            var keys = donors.Select(d => OnceKey(year, d.Key)).ToList();
            var existing = (await db.Set<TransactionalEmail>().Where(e => e.Kind == DonationStatementComposer.StatementKind && keys.Contains(e.OnceKey!))
                .Select(e => e.OnceKey!).ToListAsync(token)).ToHashSet();
            var now = clock.GetUtcNow().UtcDateTime;
            var added = 0;
            foreach (var donor in donors.Where(d => !existing.Contains(OnceKey(year, d.Key))))
            {
                db.Add(new TransactionalEmail { Kind = DonationStatementComposer.StatementKind, SubjectId = year, OnceKey = OnceKey(year, donor.Key), Recipient = donor.Email, CreatedAt = now });
                added++;
            }
            await db.SaveChangesAsync(token);
            return added;
        }, cancellationToken);

    /// <summary>The donor's key is hashed so the once-key stays short and carries no address.</summary>
    public static string OnceKey(int year, string emailKey) =>
        $"{year}:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(emailKey)))[..40]}";

    [LoggerMessage(EventId = 4050, EventName = "AnnualStatementsQueued", Level = LogLevel.Information, Message = "Statements for {Year}: {Queued} queued, {AlreadyQueued} already queued before")]
    private static partial void LogQueued(ILogger logger, int year, int queued, int alreadyQueued);
}

/// <summary>Donors who gave in the year, statements queued now, and statements queued by an earlier run.</summary>
public sealed record StatementRun(int Year, int Donors, int Queued, int AlreadyQueued);
