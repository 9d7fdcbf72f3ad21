using Newsletter.Dashboard;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Newsletter.Audit;
using Newsletter.Subscribers;

namespace Newsletter.Host.Dashboard.Pages.Admin.Subscribers;

/// <summary>One subscriber: details, history, edit, unsubscribe, erase (after typing the address), export their data.</summary>
public sealed class DetailsModel(SubscriberDirectory directory, SubscriberPrivacy privacy, SubscriptionService subscriptions, AuditLog audit, IOptions<SubscriberOptions> options) : StaffPage
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public override string Title => Subscriber?.Email ?? "Subscriber";

    [BindProperty(SupportsGet = true)] public long Id { get; set; }
    [BindProperty(SupportsGet = true)] public string? Notice { get; set; }

    public Subscriber? Subscriber { get; private set; }
    public IReadOnlyList<SubscriberHistoryLine> History { get; private set; } = [];
    public IReadOnlyDictionary<string, object?> More { get; private set; } = new Dictionary<string, object?>();
    public IReadOnlyList<string> AllTopics => options.Value.Topics;
    public IReadOnlyList<string> Errors { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) =>
        await LoadAsync(cancellationToken) ? Page() : NotFound();

    public async Task<IActionResult> OnPostEditAsync(string? name, string? frequency, List<string>? topics, CancellationToken cancellationToken)
    {
        var errors = await directory.UpdateAsync(Id, new SubscriberEdit(name, frequency, topics ?? []), options.Value, StaffName, cancellationToken);
        if (errors.Count == 0) return Redirect($"/admin/subscribers/{Id}?notice=saved");
        if (!await LoadAsync(cancellationToken)) return NotFound();
        return Invalid(errors.Values.SelectMany(e => e).ToList());
    }

    public async Task<IActionResult> OnPostUnsubscribeAsync(CancellationToken cancellationToken) =>
        await directory.UnsubscribeAsync(Id, StaffName, subscriptions, cancellationToken) ? Redirect($"/admin/subscribers/{Id}?notice=unsubscribed") : NotFound();

    /// <summary>Erasure is for good, so staff type the address to confirm it; anything else changes nothing.</summary>
    public async Task<IActionResult> OnPostEraseAsync(string? confirmEmail, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(cancellationToken)) return NotFound();
        if (!string.Equals(confirmEmail?.Trim(), Subscriber!.Email, StringComparison.OrdinalIgnoreCase))
            return Invalid(["To erase, type the subscriber's email address exactly."]);
        await privacy.EraseAsync(Id, cancellationToken);
        return Redirect("/admin/subscribers?notice=erased");
    }

    /// <summary>Everything we hold about the subscriber, as the JSON file they are entitled to (GDPR art. 15 and 20).</summary>
    public async Task<IActionResult> OnGetExportAsync(CancellationToken cancellationToken)
    {
        var data = await privacy.ExportAsync(Id, cancellationToken);
        if (data is null) return NotFound();
        await audit.RecordAsync(AuditActions.SubscriberDataExported, $"subscriber {Id}", null, cancellationToken);
        return File(JsonSerializer.SerializeToUtf8Bytes(data, Json), "application/json", $"subscriber-{Id}.json");
    }

    public static string Pretty(object? value) => JsonSerializer.Serialize(value, Json);

    public bool HasTopic(string topic) => Subscriber!.Topics.Split(',', StringSplitOptions.RemoveEmptyEntries).Contains(topic.ToLowerInvariant());

    private async Task<bool> LoadAsync(CancellationToken cancellationToken)
    {
        Subscriber = await directory.FindAsync(Id, cancellationToken);
        if (Subscriber is null) return false;
        History = await directory.HistoryAsync(Id, cancellationToken);
        More = (await privacy.ExportAsync(Id, cancellationToken))?.More ?? new Dictionary<string, object?>();
        return true;
    }

    private PageResult Invalid(IReadOnlyList<string> errors)
    {
        Errors = errors;
        var page = Page();
        page.StatusCode = StatusCodes.Status400BadRequest;
        return page;
    }
}
