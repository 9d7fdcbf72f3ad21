using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Newsletter.Digests;

/// <summary>The digest schedule and the sending engine's knobs.</summary>
public sealed class DigestOptions
{
    public const string Section = "Digests";

    /// <summary>Cron expression for the daily issue, in <see cref="TimeZone"/>; empty turns it off.</summary>
    public string? DailyCron { get; set; } = "0 6 * * *";

    /// <summary>Cron expression for the weekly issue, in <see cref="TimeZone"/>; empty turns it off.</summary>
    public string? WeeklyCron { get; set; } = "0 6 * * 1";

    /// <summary>Cron expression (UTC) of the sweep that resumes unfinished sending and marks abandoned rows Unknown.</summary>
    [Required]
    public string SweepCron { get; set; } = "* * * * *";

    /// <summary>IANA time zone of the schedule, e.g. Europe/Berlin.</summary>
    [Required]
    public string TimeZone { get; set; } = "Etc/UTC";

    /// <summary><see cref="TimeZone"/> itself: schedules and every date a reader sees (checked at start-up).</summary>
    public TimeZoneInfo Zone() => TimeZoneInfo.FindSystemTimeZoneById(TimeZone);

    /// <summary>How far back the very first issue of a frequency looks for articles.</summary>
    public TimeSpan FirstIssueLookBack { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// An article that arrived only after the previous issue was made, though dated up to this long before it (the
    /// feed's poll came after the issue, a scheduled post, a cached feed), goes into the next issue instead of none.
    /// </summary>
    public TimeSpan LateArticleWindow { get; set; } = TimeSpan.FromDays(1);

    /// <summary>
    /// The most articles one email carries in full (newest first). The rest of the period's articles are not lost: the
    /// email says how many more there are and links to the issue's web version, which lists every one.
    /// </summary>
    [Range(1, 200)]
    public int MaxArticles { get; set; } = 30;

    /// <summary>
    /// The largest HTML part a digest may have, in bytes. Gmail clips messages whose HTML passes about 102 KB, hiding
    /// the footer (postal address, unsubscribe); articles that would not fit move to the "more on the web" link.
    /// </summary>
    [Range(20_000, 10_000_000)]
    public int MaxHtmlBytes { get; set; } = 90_000;

    /// <summary>Deliveries per batch job.</summary>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 1000;

    /// <summary>SMTP connections this process keeps open and sends over in parallel.</summary>
    [Range(1, 64)]
    public int Connections { get; set; } = 4;

    /// <summary>An idle pooled connection older than this is closed instead of reused (servers drop idle clients).</summary>
    public TimeSpan ConnectionIdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The relay's messages per second for all workers together; 0 means no limit. Each process takes its share.
    /// Transactional mail takes its place in it ahead of the digests (a moment ahead of the rate at most).
    /// </summary>
    [Range(0, 1_000_000)]
    public int MessagesPerSecond { get; set; }

    /// <summary>
    /// The relay's messages per <see cref="Window"/> for all workers together (a sliding window); 0 means no limit.
    /// Transactional mail is counted in it too, and goes even when it is spent.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int WindowLimit { get; set; }

    public TimeSpan Window { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Attempts before a temporary refusal (4xx) becomes Failed.</summary>
    [Range(1, 50)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Wait before the first retry after a 4xx; doubles each attempt.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// A delivery left in Sending longer than this belongs to a dead worker and becomes Unknown. A live batch renews
    /// its claims every quarter of this, however slowly a rate limit lets it send.
    /// </summary>
    public TimeSpan SendingLease { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How many deliveries one connection claims at a time, just before sending them; also how often outcomes are
    /// recorded in the ledger. A crash leaves at most Connections × ClaimWindow deliveries per process Sending; the
    /// run's journal settles them at the restart, and only the copy each connection had on the wire stays Unknown.
    /// </summary>
    [Range(1, 1000)]
    public int ClaimWindow { get; set; } = 10;

    /// <summary>Failed connections in a row (refused, dropped, 421) after which an issue pauses instead of going on trying.</summary>
    [Range(1, 100)]
    public int ConnectionFailuresBeforePause { get; set; } = 6;

    /// <summary>Attempts and backoff for temporary refusals (4xx) of a delivery.</summary>
    public Jobs.RetryPolicy Retry => new(MaxAttempts, RetryDelay, TimeSpan.FromHours(1));
}

/// <summary>Cross-field checks: the time zone must resolve (Hangfire would otherwise disable the job quietly).</summary>
public sealed class DigestOptionsValidator : IValidateOptions<DigestOptions>
{
    public ValidateOptionsResult Validate(string? name, DigestOptions options)
    {
        var failures = new List<string>();
        try
        {
            options.Zone();
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            failures.Add($"Digests:TimeZone '{options.TimeZone}' is not a known time zone; use an IANA id such as Europe/Berlin.");
        }
        if (options.RetryDelay <= TimeSpan.Zero) failures.Add("Digests:RetryDelay must be positive.");
        if (options.SendingLease <= TimeSpan.Zero) failures.Add("Digests:SendingLease must be positive.");
        if (options.WindowLimit > 0 && options.Window <= TimeSpan.Zero) failures.Add("Digests:Window must be positive when Digests:WindowLimit is set.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
