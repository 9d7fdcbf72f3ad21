using Hangfire;
using Newsletter.Subscribers;

namespace Newsletter.Digests;

/// <summary>The scheduled issue: plan it, then start sending. Both steps are idempotent, so a repeat does no harm.</summary>
public sealed class DigestScheduleJob(DigestPlanner planner, DigestFanOut fanOut)
{
    [AutomaticRetry(Attempts = 3)]
    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    public async Task RunAsync(DigestFrequency frequency, CancellationToken cancellationToken)
    {
        var issue = await planner.PlanAsync(frequency, cancellationToken);
        if (issue is { State: DigestIssueState.Planned }) await fanOut.StartAsync(issue.Id, cancellationToken);
    }
}
