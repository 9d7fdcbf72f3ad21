using Microsoft.AspNetCore.Mvc;
using Newsletter.Dashboard;
using Newsletter.Digests;
using Newsletter.Subscribers;

namespace Newsletter.Host.Dashboard.Pages.Admin.Digests;

/// <summary>
/// The digest schedule per frequency, "Send now" (plans the next issue and asks to confirm with the audience size on
/// the issue's page), and past issues with their delivery counts.
/// </summary>
public sealed class IndexModel(DigestService digests, DigestDashboard dashboard) : StaffPage
{
    public const int PageSize = 25;

    public override string Title => "Digests";

    [BindProperty(SupportsGet = true)] public long? Before { get; set; }
    [BindProperty(SupportsGet = true)] public string? Notice { get; set; }

    public IReadOnlyList<ScheduledDigest> Schedule { get; private set; } = [];
    public IReadOnlyList<(DigestIssue Issue, DeliveryCounts Counts)> Issues { get; private set; } = [];
    public long? Next { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Schedule = dashboard.Schedule();
        var issues = await digests.ListAsync(Before, PageSize, cancellationToken);
        var rows = new List<(DigestIssue, DeliveryCounts)>();
        foreach (var issue in issues) rows.Add((issue, await digests.ProgressAsync(issue.Id, cancellationToken)));
        Issues = rows;
        Next = issues.Count == PageSize ? issues[^1].Id : null;
    }

    /// <summary>Plans (or reuses) the next issue of the frequency and opens it with the send confirmation; nothing is sent yet.</summary>
    public async Task<IActionResult> OnPostSendNowAsync(string? frequency, CancellationToken cancellationToken)
    {
        var chosen = frequency?.Trim().ToLowerInvariant() switch { "daily" => DigestFrequency.Daily, "weekly" => DigestFrequency.Weekly, _ => (DigestFrequency?)null };
        if (chosen is null) return BadRequest();
        var issue = await digests.PlanAsync(chosen.Value, cancellationToken);
        return issue is null
            ? Redirect("/admin/digests?notice=nothing-new")
            : Redirect($"/admin/digests/{issue.Id}?confirm=send");
    }
}
