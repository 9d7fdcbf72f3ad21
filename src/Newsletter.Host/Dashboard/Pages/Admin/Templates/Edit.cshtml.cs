using Microsoft.AspNetCore.Mvc;
using Newsletter.Templates;
using Newsletter.Web;

namespace Newsletter.Host.Dashboard.Pages.Admin.Templates;

/// <summary>Edit one template. A text that does not parse is shown back with the parser's message and not saved.</summary>
public sealed class EditModel(TemplateStore templates, TemplateLibrary library) : StaffPage
{
    public override string Title => "Template " + Name;

    [BindProperty(SupportsGet = true)] public string Name { get; set; } = string.Empty;
    [BindProperty(SupportsGet = true)] public string? Notice { get; set; }
    [BindProperty] public string? Text { get; set; }

    public bool Edited { get; private set; }

    /// <summary>This template is a layout only owners change, and the viewer is not an owner: the form is read-only.</summary>
    public bool ReadOnly => TemplateStore.RequiresOwner(Name) && !User.IsInRole(StaffRoles.Owner);
    public string FileText { get; private set; } = string.Empty;
    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (!library.Contains(Name)) return NotFound();
        var edited = await templates.EditedTextAsync(Name, cancellationToken);
        FileText = ReadFile();
        Edited = edited is not null;
        Text = edited ?? FileText;
        return Page();
    }

    public async Task<IActionResult> OnPostSaveAsync(CancellationToken cancellationToken)
    {
        if (!library.Contains(Name)) return NotFound();
        if (ReadOnly) return await RefusedAsync(cancellationToken);
        Error = await templates.SaveAsync(Name, Text ?? string.Empty, StaffName, cancellationToken);
        if (Error is null) return Redirect($"/admin/templates/edit?name={Uri.EscapeDataString(Name)}&notice=saved");
        FileText = ReadFile();
        Edited = await templates.EditedTextAsync(Name, cancellationToken) is not null;
        var page = Page();
        page.StatusCode = StatusCodes.Status400BadRequest;
        return page;
    }

    public async Task<IActionResult> OnPostResetAsync(CancellationToken cancellationToken)
    {
        if (!library.Contains(Name)) return NotFound();
        if (ReadOnly) return await RefusedAsync(cancellationToken);
        await templates.ResetAsync(Name, StaffName, cancellationToken);
        return Redirect($"/admin/templates/edit?name={Uri.EscapeDataString(Name)}&notice=reset");
    }

    private async Task<IActionResult> RefusedAsync(CancellationToken cancellationToken)
    {
        Error = "Only an owner can change this layout: every public page is shown inside it.";
        FileText = ReadFile();
        var edited = await templates.EditedTextAsync(Name, cancellationToken);
        Edited = edited is not null;
        Text = edited ?? FileText;
        var page = Page();
        page.StatusCode = StatusCodes.Status403Forbidden;
        return page;
    }

    private string ReadFile()
    {
        try { return library.ReadFile(Name); }
        catch (IOException e) { return "(the file cannot be read: " + e.Message + ")"; }
    }
}
