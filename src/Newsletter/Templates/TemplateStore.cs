using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Newsletter.Audit;
using Newsletter.Data;

namespace Newsletter.Templates;

/// <summary>
/// Staff edits of templates, kept in the database so every process renders the same version. A text that does not
/// parse is never saved. Saving or resetting takes effect in this process at once and in the others within
/// <see cref="TemplateFolderOptions.RefreshInterval"/>.
/// </summary>
public sealed partial class TemplateStore(NewsletterDb db, TemplateLibrary library, AuditLog audit, TimeProvider clock, ILogger<TemplateStore> logger)
{
    /// <summary>The biggest template text accepted, in characters.</summary>
    public const int MaxLength = 200_000;

    /// <summary>
    /// The layouts every public page and every archived issue are rendered in, on this site's own origin. Only owners
    /// change them: a layout sees every visitor, a logged-in owner's browser included. (Public pages also carry a
    /// policy under which no script runs, see <c>Web/SecurityHeaders</c>; this is the second lock.)
    /// </summary>
    public static readonly IReadOnlySet<string> OwnerOnly = new HashSet<string>(StringComparer.Ordinal) { "pages/layout", "pages/embed-layout", "email/layout.html" };

    /// <summary>True when only an owner may save or reset <paramref name="name"/>.</summary>
    public static bool RequiresOwner(string name) => OwnerOnly.Contains(name);

    /// <summary>Every template with where its version in force comes from and whether it parses.</summary>
    public IReadOnlyList<TemplateStatus> List()
    {
        var result = new List<TemplateStatus>();
        foreach (var name in library.Names)
        {
            var edit = library.OverrideOf(name);
            library.OverrideErrors.TryGetValue(name, out var overrideError);
            result.Add(new TemplateStatus(name, edit is null ? "file" : "database", edit?.UpdatedAt, edit?.UpdatedBy, overrideError ?? FileError(name)));
        }
        return result;
    }

    /// <summary>The saved edit's text, or null when the file is in force.</summary>
    public async Task<string?> EditedTextAsync(string name, CancellationToken cancellationToken) =>
        await db.Set<TemplateOverride>().AsNoTracking().Where(t => t.Name == name).Select(t => t.Text).SingleOrDefaultAsync(cancellationToken);

    /// <summary>Validates and saves <paramref name="text"/> as the version of <paramref name="name"/>; returns the error, or null when saved.</summary>
    public async Task<string?> SaveAsync(string name, string text, string? savedBy, CancellationToken cancellationToken)
    {
        if (!library.Contains(name)) return $"There is no template called '{name}'.";
        if (text.Length > MaxLength) return $"The template is longer than {MaxLength} characters.";
        if (!TemplateLibrary.TryParse(text, out _, out var error)) return "The template does not parse: " + error;
        var now = clock.GetUtcNow().UtcDateTime;
        await db.InTransactionAsync(async token =>
        {
            var row = await db.Set<TemplateOverride>().SingleOrDefaultAsync(t => t.Name == name, token);
            if (row is null) db.Add(new TemplateOverride { Name = name, Text = text, Version = 1, UpdatedAt = now, UpdatedBy = savedBy });
            else
            {
                row.Text = text;
                row.Version++;
                row.UpdatedAt = now;
                row.UpdatedBy = savedBy;
            }
            await db.SaveChangesAsync(token);
            return true;
        }, cancellationToken);
        LogSaved(logger, name, savedBy);
        await audit.RecordAsync(AuditActions.TemplateSaved, name, $"{text.Length} characters", cancellationToken);
        await RefreshAsync(cancellationToken);
        return null;
    }

    /// <summary>Deletes the saved edit, so the file is in force again. Resetting twice is fine.</summary>
    public async Task ResetAsync(string name, string? resetBy, CancellationToken cancellationToken)
    {
        await db.Set<TemplateOverride>().Where(t => t.Name == name).ExecuteDeleteAsync(cancellationToken);
        LogReset(logger, name, resetBy);
        await audit.RecordAsync(AuditActions.TemplateReset, name, null, cancellationToken);
        await RefreshAsync(cancellationToken);
    }

    /// <summary>Loads every saved edit into this process's <see cref="TemplateLibrary"/>.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var rows = await db.Set<TemplateOverride>().AsNoTracking().ToListAsync(cancellationToken);
        library.ApplyOverrides(rows);
    }

    /// <summary>The parse error of the file as it is on disk now (someone may have changed it since start-up), or null.</summary>
    private string? FileError(string name)
    {
        try
        {
            return TemplateLibrary.TryParse(library.ReadFile(name), out _, out var error) ? null : "The file does not parse: " + error;
        }
        catch (IOException e)
        {
            return "The file cannot be read: " + e.Message;
        }
    }

    [LoggerMessage(EventId = 6000, EventName = "TemplateSaved", Level = LogLevel.Information, Message = "Template {Name} saved by {By}")]
    private static partial void LogSaved(ILogger logger, string name, string? by);

    [LoggerMessage(EventId = 6001, EventName = "TemplateReset", Level = LogLevel.Information, Message = "Template {Name} reset to its file by {By}")]
    private static partial void LogReset(ILogger logger, string name, string? by);
}

/// <summary>A template as the dashboard lists it: where it comes from, and its parse error if any.</summary>
public sealed record TemplateStatus(string Name, string Source, DateTime? UpdatedAt, string? UpdatedBy, string? Error);
