using Hangfire;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newsletter.Data;
using Newsletter.Email;
using Stripe;

namespace Newsletter.Donations;

/// <summary>
/// What a donor can do for themselves: see their monthly gifts and years of statements, open Stripe's Billing Portal
/// for their customer (change the card or the amount, pause or cancel), and ask for a signed link by email.
/// </summary>
public sealed partial class DonorPortal(NewsletterDb db, IStripeClient stripe, DonorLinks donorLinks, DonationCalendar calendar,
    IOptions<DonationOptions> options, Hangfire.IBackgroundJobClient jobs, TimeProvider clock, ILogger<DonorPortal> logger)
{
    /// <summary>The <see cref="TransactionalEmail.Kind"/> of the email with a donor's manage link.</summary>
    public const string ManageLinkKind = "donation.manage-link";

    /// <summary>A donor asking again within this window gets no second email.</summary>
    public static readonly TimeSpan RequestWindow = TimeSpan.FromMinutes(10);

    /// <summary>The donor's Stripe customers, each with the plans it pays for (a customer of one-time gifts has none).</summary>
    public async Task<IReadOnlyList<DonorCustomer>> CustomersAsync(string emailKey, CancellationToken cancellationToken)
    {
        var plans = await db.Set<RecurringPlan>().AsNoTracking().Where(p => p.DonorEmailKey == emailKey && p.StripeCustomerId != null)
            .OrderByDescending(p => p.Id).ToListAsync(cancellationToken);
        var fromGifts = await db.Set<Donation>().AsNoTracking().Where(d => d.DonorEmailKey == emailKey && d.StripeCustomerId != null)
            .Select(d => d.StripeCustomerId!).Distinct().ToListAsync(cancellationToken);
        return plans.Select(p => p.StripeCustomerId!).Concat(fromGifts).Distinct(StringComparer.Ordinal)
            .Select(c => new DonorCustomer(c, plans.Where(p => p.StripeCustomerId == c).ToList())).ToList();
    }

    /// <summary>
    /// The local years in which the donor's gifts arrived and something of them was kept, newest first: the years that
    /// have a statement (<see cref="DonorStatements"/> leaves out gifts refunded or lost in full).
    /// </summary>
    public async Task<IReadOnlyList<int>> StatementYearsAsync(string emailKey, CancellationToken cancellationToken)
    {
        var paid = await db.Set<Donation>().AsNoTracking().Where(d => d.DonorEmailKey == emailKey && d.Outcome == PaymentOutcome.Paid && d.PaidAt != null)
            .Select(DonationFigures.Of).ToListAsync(cancellationToken);
        return paid.Where(f => f.Net > 0).Select(f => calendar.YearOf(f.PaidAt)).Distinct().OrderDescending().ToList();
    }

    /// <summary>Opens a Billing Portal session for one of the donor's customers; null when the customer is not theirs.</summary>
    /// <exception cref="StripeException">Stripe refused; out of reach, the HTTP client's own exception (see <see cref="StripeErrors"/>).</exception>
    public async Task<string?> OpenAsync(DonorAccess access, string? customerId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(customerId)) return null;
        var theirs = await CustomersAsync(access.EmailKey, cancellationToken);
        if (!theirs.Any(c => c.CustomerId == customerId)) return null;
        var request = new Stripe.BillingPortal.SessionCreateOptions { Customer = customerId, ReturnUrl = donorLinks.Manage(access) };
        // Left unset unless configured: an empty value would be sent and refused.
        if (!string.IsNullOrWhiteSpace(options.Value.PortalConfiguration)) request.Configuration = options.Value.PortalConfiguration;
        var session = await new Stripe.BillingPortal.SessionService(stripe).CreateAsync(request, cancellationToken: cancellationToken);
        LogPortalOpened(logger, access.Id, customerId);
        return session.Url;
    }

    /// <summary>
    /// Emails a manage link to <paramref name="address"/> if it has given (the answer to the person is the same either
    /// way, so no one learns who gives). At most one email per address per <see cref="RequestWindow"/>.
    /// </summary>
    public async Task RequestLinkAsync(EmailAddress address, CancellationToken cancellationToken)
    {
        var known = await db.Set<Donation>().AnyAsync(d => d.DonorEmailKey == address.Key, cancellationToken)
            || await db.Set<RecurringPlan>().AnyAsync(p => p.DonorEmailKey == address.Key, cancellationToken);
        if (!known) return;
        var access = await donorLinks.AccessAsync(address.Key, cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        // A sliding window: any link sent to this donor within the last RequestWindow answers for this request too (a
        // fixed bucket let two requests a second apart across its edge both through). The bucket's once-key stays as
        // the unique guard against two requests at the same instant (caught below).
        var since = now - RequestWindow;
        if (await db.Set<TransactionalEmail>().AnyAsync(e => e.Kind == ManageLinkKind && e.SubjectId == access.Id && e.CreatedAt > since, cancellationToken)) return;
        var onceKey = $"{access.Id}:{now.Ticks / RequestWindow.Ticks}";
        var email = new TransactionalEmail { Kind = ManageLinkKind, SubjectId = access.Id, OnceKey = onceKey, Recipient = address.Address, CreatedAt = now };
        db.Add(email);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (DatabaseErrors.IsUniqueViolation(e))
        {
            // The same request twice at once: the unique (kind, once-key) lets one through. Any other failure goes up:
            // a link silently never sent is worse than an error page the person can retry from.
            return;
        }
        jobs.Enqueue<TransactionalEmailJob>(job => job.SendAsync(email.Id, CancellationToken.None));
    }

    [LoggerMessage(EventId = 4070, EventName = "DonorPortalOpened", Level = LogLevel.Information, Message = "Billing Portal opened for donor {DonorAccessId} (customer {CustomerId})")]
    private static partial void LogPortalOpened(ILogger logger, long donorAccessId, string customerId);
}

/// <summary>One of a donor's Stripe customers and the plans it pays for.</summary>
public sealed record DonorCustomer(string CustomerId, IReadOnlyList<RecurringPlan> Plans);
