using Microsoft.AspNetCore.Mvc;
using Newsletter.Subscribers;

namespace Newsletter.Host.Dashboard.Pages.Admin.Subscribers;

/// <summary>Every subscriber as CSV, streamed a page at a time.</summary>
public sealed class ExportModel(SubscriberExport export, TimeProvider clock) : StaffPage
{
    public override string Title => "Export subscribers";

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        Response.ContentType = "text/csv; charset=utf-8";
        Response.Headers.ContentDisposition = $"attachment; filename=\"subscribers-{clock.GetUtcNow():yyyyMMdd}.csv\"";
        await export.WriteCsvAsync(Response.Body, cancellationToken);
        return new EmptyResult();
    }
}
