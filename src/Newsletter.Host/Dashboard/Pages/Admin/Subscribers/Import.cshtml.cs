using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Newsletter.Subscribers;

namespace Newsletter.Host.Dashboard.Pages.Admin.Subscribers;

/// <summary>
/// CSV import. With JavaScript the file is sent as the request body and streamed into the importer while a progress
/// bar follows the upload; without it, the same form posts multipart. Either way the answer is the per-line report.
/// </summary>
[DisableRequestSizeLimit]
[RequestFormLimits(MultipartBodyLengthLimit = long.MaxValue)]
[SubscriberImportLimit]
public sealed class ImportModel(SubscriberImport import, IOptions<SubscriberOptions> options) : StaffPage
{
    public override string Title => "Import subscribers";

    public ImportReport? Report { get; private set; }
    public string? Error { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(string? mode, IFormFile? file, CancellationToken cancellationToken)
    {
        var importMode = mode?.ToLowerInvariant() switch
        {
            null or "" or "confirmed" => ImportMode.Confirmed,
            "send-confirmation" => ImportMode.SendConfirmation,
            _ => (ImportMode?)null,
        };
        if (importMode is null) return Failed("Choose whether the rows are confirmed or get a confirmation email.", StatusCodes.Status400BadRequest);
        // Request.Body is limited as it is read (SubscriberImportLimit), a multipart form too: past the limit reading fails with 413.
        Stream csv;
        if (Request.ContentType?.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase) == true) csv = Request.Body;
        else if (file is { Length: > 0 }) csv = file.OpenReadStream();
        else return Failed("Choose a CSV file to import.", StatusCodes.Status400BadRequest);
        var saved = new SubscriberAdminApi.LatestReport();
        try
        {
            await using (csv)
                Report = await import.ImportAsync(csv, importMode.Value, cancellationToken, saved);
        }
        catch (ImportFormatException e)
        {
            return Failed(e.Message, StatusCodes.Status400BadRequest);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Failed(SubscriberAdminApi.TooLarge(options.Value.MaxImportBytes, saved.Last), StatusCodes.Status413PayloadTooLarge);
        }
        return IsScript ? Partial("_ImportReport", this) : Page();
    }

    private bool IsScript => Request.Headers.XRequestedWith == "XMLHttpRequest";

    private IActionResult Failed(string error, int status)
    {
        Error = error;
        if (IsScript)
        {
            var partial = Partial("_ImportReport", this);
            partial.StatusCode = status;
            return partial;
        }
        var page = Page();
        page.StatusCode = status;
        return page;
    }
}
