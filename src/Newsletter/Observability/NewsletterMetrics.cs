using System.Diagnostics.Metrics;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;

namespace Newsletter.Observability;

/// <summary>
/// Every metric the service itself reports, in one place: one meter (<see cref="MeterName"/>) and a method per event, so
/// callers say what happened and never touch instruments or tag names. Exported for Prometheus when
/// <c>Metrics:Enabled</c> is true (see the README); without a listener each call costs next to nothing. One instance per
/// process, from DI; counters count what this process did, so a dashboard sums them over the fleet.
/// </summary>
public sealed class NewsletterMetrics
{
    public const string MeterName = "Newsletter";

    private readonly Counter<long> _digestMessages;
    private readonly Counter<long> _stripeEventsReceived;
    private readonly Counter<long> _stripeEventsApplied;
    private readonly Counter<long> _stripeEventsFailed;
    private readonly Histogram<double> _stripeEventLag;
    private readonly Counter<long> _importRows;

    public NewsletterMetrics(IMeterFactory meters, JobStorage jobs, IServiceScopeFactory scopes)
    {
        var meter = meters.Create(MeterName);
        _digestMessages = meter.CreateCounter<long>("newsletter.digest.messages", "{message}",
            "Digest messages by outcome: sent (250), failed (refused for good), unknown (outcome lost mid-send), deferred (4xx, tried again later).");
        _stripeEventsReceived = meter.CreateCounter<long>("newsletter.stripe.events.received", "{event}",
            "Verified Stripe webhook deliveries; duplicate=true for an event id already stored.");
        _stripeEventsApplied = meter.CreateCounter<long>("newsletter.stripe.events.applied", "{event}",
            "Stored Stripe events applied to the ledger; result=processed or ignored (not about a donation of ours).");
        _stripeEventsFailed = meter.CreateCounter<long>("newsletter.stripe.events.failed", "{event}",
            "Failed attempts to apply a Stripe event; final=true when no attempt is left (staff must look).");
        _stripeEventLag = meter.CreateHistogram<double>("newsletter.stripe.events.lag", "s",
            "Seconds from Stripe creating an event to our ledger having applied it.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600] });
        _importRows = meter.CreateCounter<long>("newsletter.import.rows", "{row}",
            "Subscriber import rows by outcome: imported, updated, rejected.");
        // Read from the job storage at each scrape (one statistics query), not counted in process: every process sees
        // the same queues. state="enqueued" is the queue length.
        meter.CreateObservableGauge("newsletter.jobs", () => JobCounts(jobs), "{job}",
            "Hangfire jobs by state: enqueued (waiting for a worker), scheduled (retries, delays), processing, failed (given up).");
        // Read from the Workers table at each scrape (two counts), the same for every process.
        meter.CreateObservableGauge("newsletter.workers", () => WorkerCounts(scopes), "{process}",
            "Processes by state: sending (the worker role, heartbeat fresh; 0 means no mail goes out), vanished (silent without stopping in the last day: killed, out of memory, machine gone).");
    }

    /// <summary>Messages the SMTP server accepted (250).</summary>
    public void DigestSent(int count = 1) => _digestMessages.Add(count, Outcome("sent"));

    /// <summary>Messages refused for good (5xx, out of attempts, unbuildable).</summary>
    public void DigestFailed(int count = 1) => _digestMessages.Add(count, Outcome("failed"));

    /// <summary>Messages whose outcome was lost (connection broke after the body, abandoned Sending rows).</summary>
    public void DigestUnknown(int count = 1) => _digestMessages.Add(count, Outcome("unknown"));

    /// <summary>Messages put back for a later attempt (4xx, rate limits).</summary>
    public void DigestDeferred(int count = 1) => _digestMessages.Add(count, Outcome("deferred"));

    /// <summary>A verified webhook delivery; <paramref name="duplicate"/> when its event id was already stored.</summary>
    public void StripeEventReceived(bool duplicate) => _stripeEventsReceived.Add(1, new KeyValuePair<string, object?>("duplicate", duplicate));

    /// <summary>An event applied (or ignored as not ours), <paramref name="lag"/> after Stripe created it.</summary>
    public void StripeEventApplied(bool ignored, TimeSpan lag)
    {
        _stripeEventsApplied.Add(1, new KeyValuePair<string, object?>("result", ignored ? "ignored" : "processed"));
        _stripeEventLag.Record(Math.Max(0, lag.TotalSeconds));
    }

    /// <summary>An attempt to apply an event threw; <paramref name="final"/> when it will not be tried again.</summary>
    public void StripeEventFailed(bool final) => _stripeEventsFailed.Add(1, new KeyValuePair<string, object?>("final", final));

    /// <summary>Rows an import has just finished with.</summary>
    public void ImportRows(int imported, int updated, int rejected)
    {
        if (imported > 0) _importRows.Add(imported, Outcome("imported"));
        if (updated > 0) _importRows.Add(updated, Outcome("updated"));
        if (rejected > 0) _importRows.Add(rejected, Outcome("rejected"));
    }

    private static KeyValuePair<string, object?> Outcome(string outcome) => new("outcome", outcome);

    private static Measurement<long>[] JobCounts(JobStorage jobs)
    {
        Hangfire.Storage.Monitoring.StatisticsDto statistics;
        try
        {
            statistics = jobs.GetMonitoringApi().GetStatistics();
        }
        catch (Exception)
        {
            // The job storage is down: report nothing rather than a wrong zero (/healthz says what is wrong).
            return [];
        }
        return
        [
            new(statistics.Enqueued, State("enqueued")), new(statistics.Scheduled, State("scheduled")),
            new(statistics.Processing, State("processing")), new(statistics.Failed, State("failed")),
        ];
    }

    private static Measurement<int>[] WorkerCounts(IServiceScopeFactory scopes)
    {
        try
        {
            using var scope = scopes.CreateScope();
            var workers = scope.ServiceProvider.GetRequiredService<Workers.WorkerRegistry>();
            return [new(workers.SendingProcesses().Count(), State("sending")), new(workers.Vanished().Count(), State("vanished"))];
        }
        catch (Exception)
        {
            // The database is down: nothing rather than a wrong zero (/healthz says what is wrong).
            return [];
        }
    }

    private static KeyValuePair<string, object?> State(string state) => new("state", state);
}
