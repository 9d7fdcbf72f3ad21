using Microsoft.AspNetCore.Mvc;
using Newsletter.Dashboard;
using Newsletter.Digests;
using Newsletter.Email;
using Newsletter.Subscribers;

namespace Newsletter.Host.Dashboard.Pages.Admin.Digests;

/// <summary>
/// One issue: a reader's preview (HTML in a sandboxed frame, and the plain text), a test copy, sending with a
/// confirmation that names the audience size, the live progress bar, pausing, resuming or cancelling, and retrying failed deliveries.
/// </summary>
public sealed class IssueModel(DigestService digests, DigestDashboard dashboard, TimeProvider clock) : StaffPage
{
    /// <summary>
    /// The preview frame's own policy: no scripts, no plugins, no forms, a unique origin (sandbox), images from anywhere
    /// the mail would load them, and framing only by the dashboard.
    /// </summary>
    public const string PreviewPolicy = "sandbox; default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'; frame-ancestors 'self'";

    public override string Title => Issue is null ? "Digest" : $"Digest #{Issue.Id}";

    [BindProperty(SupportsGet = true)] public long Id { get; set; }
    [BindProperty(SupportsGet = true)] public string? Reader { get; set; }
    [BindProperty(SupportsGet = true)] public string? Confirm { get; set; }
    [BindProperty(SupportsGet = true)] public string? Notice { get; set; }
    [BindProperty(SupportsGet = true)] public int? Count { get; set; }
    [BindProperty] public string? TestEmail { get; set; }

    public DigestIssue? Issue { get; private set; }
    public int Audience { get; private set; }
    public Subscriber? PreviewReader { get; private set; }
    public DigestCopy? Copy { get; private set; }
    public IssueProgress? Progress { get; private set; }

    /// <summary>The first Unknown readers (the server may or may not have their copy), shown with the resend button.</summary>
    public IReadOnlyList<DeliveryRow> UnknownReaders { get; private set; } = [];
    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) =>
        await LoadAsync(cancellationToken) ? Page() : NotFound();

    /// <summary>The progress bar alone, polled by htmx every second while the issue is sending.</summary>
    public async Task<IActionResult> OnGetProgressAsync(CancellationToken cancellationToken)
    {
        var issue = await digests.FindAsync(Id, cancellationToken);
        if (issue is null) return NotFound();
        return Partial("_Progress", await ProgressAsync(issue, cancellationToken));
    }

    /// <summary>The reader's HTML on its own URL, under a sandbox policy, for the preview frame.</summary>
    public async Task<IActionResult> OnGetHtmlAsync(CancellationToken cancellationToken)
    {
        var issue = await digests.FindAsync(Id, cancellationToken);
        var reader = issue is null ? null : await dashboard.FindReaderAsync(Reader, issue.Frequency, cancellationToken);
        var copy = reader is null ? null : await digests.CopyForAsync(Id, reader, cancellationToken);
        if (copy is null) return NotFound();
        Response.Headers.ContentSecurityPolicy = PreviewPolicy;
        return Content(copy.Html, "text/html; charset=utf-8");
    }

    public async Task<IActionResult> OnPostSendAsync(CancellationToken cancellationToken)
    {
        if (await digests.FindAsync(Id, cancellationToken) is null) return NotFound();
        var started = await digests.StartAsync(Id, cancellationToken);
        return Redirect($"/admin/digests/{Id}?notice={(started ? "started" : "already-started")}");
    }

    /// <summary>Stops a sending issue (staff saw a mistake): the rest of its readers wait for resume.</summary>
    public async Task<IActionResult> OnPostPauseAsync(CancellationToken cancellationToken)
    {
        if (await digests.FindAsync(Id, cancellationToken) is null) return NotFound();
        var paused = await digests.PauseAsync(Id, cancellationToken);
        return Redirect($"/admin/digests/{Id}?notice={(paused ? "paused" : "not-sending")}");
    }

    /// <summary>Ends a paused issue for good: its readers not yet sent to are skipped.</summary>
    public async Task<IActionResult> OnPostCancelAsync(CancellationToken cancellationToken)
    {
        if (await digests.FindAsync(Id, cancellationToken) is null) return NotFound();
        var result = await digests.CancelAsync(Id, cancellationToken);
        if (result.Cancelled) return Redirect($"/admin/digests/{Id}?notice=cancelled&count={result.Skipped}");
        Error = result.Refusal;
        await LoadAsync(cancellationToken);
        var page = Page();
        page.StatusCode = StatusCodes.Status409Conflict;
        return page;
    }

    /// <summary>Resumes a paused issue once staff have fixed what the server refused, or staff paused it and decided to go on.</summary>
    public async Task<IActionResult> OnPostResumeAsync(CancellationToken cancellationToken)
    {
        if (await digests.FindAsync(Id, cancellationToken) is null) return NotFound();
        var resumed = await digests.ResumeAsync(Id, cancellationToken);
        return Redirect($"/admin/digests/{Id}?notice={(resumed ? "resumed" : "not-paused")}");
    }

    /// <summary>Sends again to the readers whose copy is Unknown; the page warns that some may get a second copy.</summary>
    public async Task<IActionResult> OnPostResendUnknownAsync(CancellationToken cancellationToken)
    {
        if (await digests.FindAsync(Id, cancellationToken) is null) return NotFound();
        var count = await digests.ResendUnknownAsync(Id, cancellationToken);
        return Redirect($"/admin/digests/{Id}?notice=resent-unknown&count={count}");
    }

    public async Task<IActionResult> OnPostRetryAsync(CancellationToken cancellationToken)
    {
        if (await digests.FindAsync(Id, cancellationToken) is null) return NotFound();
        var count = await digests.RetryFailedAsync(Id, cancellationToken);
        return Redirect($"/admin/digests/{Id}?notice=retried&count={count}");
    }

    /// <summary>One copy to an address, marked [Test], outside the ledger.</summary>
    public async Task<IActionResult> OnPostTestAsync(CancellationToken cancellationToken)
    {
        if (await digests.FindAsync(Id, cancellationToken) is null) return NotFound();
        var status = StatusCodes.Status400BadRequest;
        if (!EmailAddress.TryParse(TestEmail, out var address, out var error)) Error = error;
        else
        {
            try
            {
                var result = await digests.SendTestAsync(Id, address, cancellationToken);
                if (result.IsAccepted) return Redirect($"/admin/digests/{Id}?notice=test-sent");
                Error = "The test copy was not sent: " + result.Detail;
            }
            catch (EmailTransportException e)
            {
                Error = "The test copy was not sent: " + e.Message;
            }
            status = StatusCodes.Status502BadGateway;
        }
        await LoadAsync(cancellationToken);
        var page = Page();
        page.StatusCode = status;
        return page;
    }

    private async Task<bool> LoadAsync(CancellationToken cancellationToken)
    {
        Issue = await digests.FindAsync(Id, cancellationToken);
        if (Issue is null) return false;
        if (Issue.State == DigestIssueState.Planned) Audience = await dashboard.AudienceAsync(Issue, cancellationToken);
        else
        {
            Progress = await ProgressAsync(Issue, cancellationToken);
            if (Progress.Counts.Unknown > 0) UnknownReaders = await digests.DeliveriesAsync(Id, DeliveryState.Unknown, null, 50, cancellationToken);
        }
        PreviewReader = await dashboard.FindReaderAsync(Reader, Issue.Frequency, cancellationToken);
        if (PreviewReader is not null) Copy = await digests.CopyForAsync(Id, PreviewReader, cancellationToken);
        return true;
    }

    private async Task<IssueProgress> ProgressAsync(DigestIssue issue, CancellationToken cancellationToken)
    {
        var counts = await digests.ProgressAsync(issue.Id, cancellationToken);
        var elapsed = issue.StartedAt is { } started ? ((issue.FinishedAt ?? clock.GetUtcNow().UtcDateTime) - started).TotalSeconds : 0;
        var handled = counts.Accepted + counts.Failed + counts.Unknown;
        return new IssueProgress(issue.Id, counts, elapsed >= 1 ? handled / elapsed : handled);
    }
}

/// <summary>What the progress bar shows: the counts, and messages handled per second since the issue started.</summary>
public sealed record IssueProgress(long IssueId, DeliveryCounts Counts, double Rate)
{
    public int Remaining => Counts.Pending + Counts.Sending;
    public int Finished => Counts.Total - Remaining;
    public int Percent => Counts.Total == 0 ? 100 : (int)Math.Floor(100.0 * Finished / Counts.Total);
}
