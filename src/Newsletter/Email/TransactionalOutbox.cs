using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Newsletter.Audit;
using Newsletter.Data;

namespace Newsletter.Email;

/// <summary>
/// Staff's side of the transactional outbox: what did not go out (Unknown, Failed, held Pending) and sending it again.
/// An Unknown email may already be in the reader's inbox, so sending it again may give a second copy; staff choose
/// that knowing it (the page and the API say so), as for a digest's Unknown readers.
/// </summary>
public sealed partial class TransactionalOutbox(NewsletterDb db, IBackgroundJobClient jobs, AuditLog audit, ILogger<TransactionalOutbox> logger)
{
    public const int MaxPage = 500;

    /// <summary>The states staff may send again: refused for good, or an outcome nobody knows.</summary>
    public static bool CanSendAgain(TransactionalEmailState state) => state is TransactionalEmailState.Failed or TransactionalEmailState.Unknown;

    /// <summary>Emails in one state, newest first (keyset: pass the last id as <paramref name="before"/>).</summary>
    public Task<List<TransactionalEmail>> ListAsync(TransactionalEmailState state, long? before, int limit, CancellationToken cancellationToken) =>
        db.Set<TransactionalEmail>().AsNoTracking().Where(e => e.State == state && (before == null || e.Id < before))
            .OrderByDescending(e => e.Id).Take(Math.Clamp(limit, 1, MaxPage)).ToListAsync(cancellationToken);

    /// <summary>Emails the server refused from us (sender, content): Pending with the 5xx reply, retried by themselves.</summary>
    public IQueryable<TransactionalEmail> Held() =>
        db.Set<TransactionalEmail>().AsNoTracking().Where(e => e.State == TransactionalEmailState.Pending && e.SmtpStatus >= 500);

    public Task<List<TransactionalEmail>> HeldAsync(int limit, CancellationToken cancellationToken) =>
        Held().OrderByDescending(e => e.Id).Take(Math.Clamp(limit, 1, MaxPage)).ToListAsync(cancellationToken);

    public Task<TransactionalEmail?> FindAsync(long id, CancellationToken cancellationToken) =>
        db.Set<TransactionalEmail>().AsNoTracking().SingleOrDefaultAsync(e => e.Id == id, cancellationToken);

    /// <summary>How many emails are in each state.</summary>
    public async Task<Dictionary<TransactionalEmailState, int>> CountsAsync(CancellationToken cancellationToken) =>
        await db.Set<TransactionalEmail>().GroupBy(e => e.State).Select(g => new { g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);

    /// <summary>
    /// Puts the emails in <paramref name="state"/> (Failed or Unknown; only <paramref name="id"/> when given) back to
    /// Pending with a fresh set of attempts, and has the outbox send them: each goes once more, through the same checks
    /// as any send (a reader since suppressed or erased is skipped). Returns how many.
    /// </summary>
    public async Task<int> SendAgainAsync(TransactionalEmailState state, long? id, CancellationToken cancellationToken)
    {
        if (!CanSendAgain(state)) throw new ArgumentOutOfRangeException(nameof(state), state, "Only Failed or Unknown emails are sent again.");
        var again = await db.Set<TransactionalEmail>().Where(e => e.State == state && (id == null || e.Id == id))
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.State, TransactionalEmailState.Pending).SetProperty(e => e.Attempts, 0)
                .SetProperty(e => e.NextAttemptAt, (DateTime?)null).SetProperty(e => e.LastError, "Sent again by staff.")
                // The old refusal's code goes too: a Pending email with a 5xx is one the server holds back (Held).
                .SetProperty(e => e.SmtpStatus, (int?)null), cancellationToken);
        if (again == 0) return 0;
        jobs.Enqueue<TransactionalEmailJob>(job => job.SweepAsync(CancellationToken.None));
        var which = state.ToString().ToLowerInvariant();
        LogSentAgain(logger, again, which);
        await audit.RecordAsync(AuditActions.OutboxSentAgain, id is { } one ? $"email {one}" : "outbox", $"{again} {which} email(s) sent again", cancellationToken);
        return again;
    }

    [LoggerMessage(EventId = 2009, EventName = "TransactionalEmailSentAgain", Level = LogLevel.Information, Message = "Staff sent {Count} {State} transactional email(s) again")]
    private static partial void LogSentAgain(ILogger logger, int count, string state);
}
