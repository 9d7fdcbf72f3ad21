using System.Globalization;
using Newsletter.Dashboard;

namespace Newsletter.Digests;

/// <summary>The overview's digest card: the last issues with their sent, failed and unknown counts.</summary>
public sealed class DigestOverviewPanel(DigestService digests) : IOverviewPanel
{
    public const int Issues = 5;

    public string Area => "digests";

    public async Task<OverviewPanel> BuildAsync(CancellationToken cancellationToken)
    {
        var issues = await digests.ListAsync(null, Issues, cancellationToken);
        var rows = new List<IReadOnlyList<string>>();
        long sent = 0, failed = 0;
        foreach (var issue in issues)
        {
            var counts = await digests.ProgressAsync(issue.Id, cancellationToken);
            sent += counts.Accepted;
            failed += counts.Failed;
            rows.Add([
                (issue.StartedAt ?? issue.CreatedAt).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
                issue.Frequency.ToString().ToLowerInvariant(), issue.State.ToString().ToLowerInvariant(),
                N(counts.Accepted), N(counts.Failed), N(counts.Unknown),
            ]);
        }
        return new OverviewPanel("Digests",
            [new("Sent (last issues)", N(sent)), new("Failed (last issues)", N(failed))],
            Table: rows.Count == 0 ? null : new OverviewTable(["Started (UTC)", "Frequency", "State", "Sent", "Failed", "Unknown"], rows),
            LinkUrl: "/admin/digests", LinkText: rows.Count == 0 ? "No issues yet: plan the first" : "All issues");
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
