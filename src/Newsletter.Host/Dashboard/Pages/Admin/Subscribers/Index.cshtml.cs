using Newsletter.Dashboard;
using Microsoft.AspNetCore.Mvc;
using Newsletter.Subscribers;

namespace Newsletter.Host.Dashboard.Pages.Admin.Subscribers;

/// <summary>Subscribers, newest first: search by the start of an email or a name, filter by status and frequency, keyset pages.</summary>
public sealed class IndexModel(SubscriberDirectory directory) : StaffPage
{
    public override string Title => "Subscribers";

    [BindProperty(SupportsGet = true)] public string? Q { get; set; }
    [BindProperty(SupportsGet = true)] public string? Status { get; set; }
    [BindProperty(SupportsGet = true)] public string? Frequency { get; set; }
    [BindProperty(SupportsGet = true)] public long? Before { get; set; }
    [BindProperty(SupportsGet = true)] public string? Notice { get; set; }

    public SubscriberListPage Results { get; private set; } = new([], null);
    public string? Error { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        SubscriberStatus? status = null;
        DigestFrequency? frequency = null;
        if (!string.IsNullOrEmpty(Status))
        {
            if (Enum.TryParse<SubscriberStatus>(Status, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed)) status = parsed;
            else Error = "Unknown status; showing every status.";
        }
        if (!string.IsNullOrEmpty(Frequency))
        {
            if (Enum.TryParse<DigestFrequency>(Frequency, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed)) frequency = parsed;
            else Error = "Unknown frequency; showing every frequency.";
        }
        var text = Q is { Length: > 320 } ? Q[..320] : Q;
        Results = await directory.SearchAsync(new SubscriberSearch(text, status, frequency, Before), cancellationToken);
    }

    /// <summary>The link to the next page: the same filters with the cursor moved.</summary>
    public string NextUrl(long before)
    {
        var query = new Dictionary<string, string?> { ["q"] = Q, ["status"] = Status, ["frequency"] = Frequency, ["before"] = before.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        return Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString("/admin/subscribers", query.Where(p => !string.IsNullOrEmpty(p.Value)));
    }
}
