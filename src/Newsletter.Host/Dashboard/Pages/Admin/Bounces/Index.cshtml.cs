using Microsoft.Extensions.Options;
using Newsletter.Bounces;

namespace Newsletter.Host.Dashboard.Pages.Admin.Bounces;

/// <summary>
/// Bounces and complaints: each issue's bounce and complaint rate (a warning above Gmail's 0.3% complaint line), the
/// newest events with their evidence, what the mailboxes and webhooks refused or could not read, and the mailboxes' state.
/// </summary>
public sealed class IndexModel(BounceStatistics statistics, IOptions<BounceOptions> options, TimeProvider clock) : StaffPage
{
    public override string Title => "Bounces";

    public IReadOnlyList<BounceStatistics.IssueRates> Issues { get; private set; } = [];
    public IReadOnlyList<BounceStatistics.EventRow> Events { get; private set; } = [];
    public IReadOnlyDictionary<InboundOutcome, int> Inbound { get; private set; } = new Dictionary<InboundOutcome, int>();
    public IReadOnlyList<InboundMessage> Refused { get; private set; } = [];
    public IReadOnlyList<MailboxLease> Mailboxes { get; private set; } = [];
    public BounceOptions Settings => options.Value;

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Issues = await statistics.IssuesAsync(20, cancellationToken);
        Events = await statistics.RecentAsync(50, cancellationToken);
        Inbound = await statistics.InboundAsync(clock.GetUtcNow().UtcDateTime.AddDays(-30), cancellationToken);
        Refused = await statistics.RefusedAsync(20, cancellationToken);
        Mailboxes = await statistics.MailboxesAsync(cancellationToken);
    }

    public int Count(InboundOutcome outcome) => Inbound.TryGetValue(outcome, out var count) ? count : 0;

    public static string Percent(double rate) => (rate * 100).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) + "%";
}
