using System.Collections.Concurrent;
using System.Text.Encodings.Web;
using Fluid;
using Microsoft.Extensions.Options;

namespace Newsletter.Templates;

/// <summary>
/// The Liquid templates (Fluid) that staff may edit: emails and public pages. Every template file is parsed at start-up,
/// and one that fails stops the host with its file, line and message. Parsed templates are immutable and shared.
/// Staff edits saved in the database (<see cref="TemplateOverride"/>) take the place of the file of the same name;
/// <see cref="TemplateOverrideSync"/> hands them to every process with <see cref="ApplyOverrides"/>.
/// </summary>
public sealed class TemplateLibrary
{
    private static readonly FluidParser Parser = new();
    private readonly ConcurrentDictionary<string, IFluidTemplate> _templates = new(StringComparer.Ordinal);
    private readonly TemplateOptions _options;
    // Replaced as a whole (never mutated), so a render sees one consistent set of overrides.
    private volatile OverrideSet _overrides = OverrideSet.Empty;

    public TemplateLibrary(IOptions<TemplateFolderOptions> options)
    {
        Folder = ResolveFolder(options.Value.Directory);
        _options = new TemplateOptions();
        _options.MemberAccessStrategy.IgnoreCasing = true;
        var errors = new List<string>();
        foreach (var file in System.IO.Directory.EnumerateFiles(Folder, "*.liquid", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var name = Path.GetRelativePath(Folder, file).Replace('\\', '/')[..^".liquid".Length];
            if (TryParse(File.ReadAllText(file), out var template, out var error))
                _templates[name] = template;
            else
                errors.Add($"{file}: {error}");
        }
        if (errors.Count > 0) throw new TemplateException(string.Join(Environment.NewLine, errors));
    }

    /// <summary>The folder the templates were read from.</summary>
    public string Folder { get; }

    public IReadOnlyCollection<string> Names => _templates.Keys.Order(StringComparer.Ordinal).ToList();

    public bool Contains(string name) => _templates.ContainsKey(name);

    /// <summary>Parses Liquid text; on failure <paramref name="error"/> carries the line and the parser's message.</summary>
    public static bool TryParse(string text, out IFluidTemplate template, out string error)
    {
        if (Parser.TryParse(text, out template, out var message))
        {
            error = string.Empty;
            return true;
        }
        error = message ?? "unknown parse error";
        return false;
    }

    /// <summary>Renders <paramref name="name"/> (e.g. "email/confirm.html") with HTML encoding of every value.</summary>
    public ValueTask<string> RenderHtmlAsync(string name, IReadOnlyDictionary<string, object?> model) =>
        RenderAsync(Get(name), model, HtmlEncoder.Default);

    /// <summary>Renders a plain-text template: values are written as they are.</summary>
    public ValueTask<string> RenderTextAsync(string name, IReadOnlyDictionary<string, object?> model) =>
        RenderAsync(Get(name), model, NullEncoder.Default);

    /// <summary>The template in force: the staff's saved edit when there is one that parses, else the file.</summary>
    public IFluidTemplate Get(string name) =>
        _overrides.Parsed.TryGetValue(name, out var edited) ? edited.Template
        : _templates.TryGetValue(name, out var template) ? template : throw new TemplateException($"Template '{name}' does not exist in {Folder}.");

    /// <summary>The saved edit in force for <paramref name="name"/>, or null when the file is used.</summary>
    public TemplateOverrideInfo? OverrideOf(string name) => _overrides.Parsed.TryGetValue(name, out var edited) ? edited.Info : null;

    /// <summary>Saved edits that no longer parse (their file is used instead), by name, with the parser's message.</summary>
    public IReadOnlyDictionary<string, string> OverrideErrors => _overrides.Errors;

    /// <summary>
    /// Makes <paramref name="rows"/> the complete set of saved edits. Unchanged versions are not parsed again; an edit
    /// that fails to parse is skipped (the file is used) and reported in <see cref="OverrideErrors"/>; names without a
    /// file are ignored.
    /// </summary>
    public void ApplyOverrides(IEnumerable<TemplateOverride> rows)
    {
        var current = _overrides;
        var parsed = new Dictionary<string, ParsedOverride>(StringComparer.Ordinal);
        var errors = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (!_templates.ContainsKey(row.Name)) continue;
            if (current.Parsed.TryGetValue(row.Name, out var known) && known.Info.Version == row.Version && known.Text == row.Text)
            {
                parsed[row.Name] = known;
                continue;
            }
            if (TryParse(row.Text, out var template, out var error))
                parsed[row.Name] = new ParsedOverride(template, row.Text, new TemplateOverrideInfo(row.Version, row.UpdatedAt, row.UpdatedBy));
            else
                errors[row.Name] = error;
        }
        _overrides = new OverrideSet(parsed, errors);
    }

    /// <summary>The file's text as it is on disk now (the default a reset goes back to).</summary>
    public string ReadFile(string name) =>
        _templates.ContainsKey(name) ? File.ReadAllText(Path.Combine(Folder, name + ".liquid")) : throw new TemplateException($"Template '{name}' does not exist in {Folder}.");

    public ValueTask<string> RenderAsync(IFluidTemplate template, IReadOnlyDictionary<string, object?> model, TextEncoder encoder)
    {
        var context = new TemplateContext(_options);
        foreach (var (key, value) in model) context.SetValue(key, value);
        return template.RenderAsync(context, encoder);
    }

    private sealed record ParsedOverride(IFluidTemplate Template, string Text, TemplateOverrideInfo Info);

    private sealed record OverrideSet(IReadOnlyDictionary<string, ParsedOverride> Parsed, IReadOnlyDictionary<string, string> Errors)
    {
        public static readonly OverrideSet Empty = new(new Dictionary<string, ParsedOverride>(), new Dictionary<string, string>());
    }

    private static string ResolveFolder(string configured)
    {
        if (Path.IsPathRooted(configured))
            return System.IO.Directory.Exists(configured) ? configured : throw new TemplateException($"Templates:Directory '{configured}' does not exist.");
        foreach (var root in new[] { System.IO.Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            var candidate = Path.GetFullPath(Path.Combine(root, configured));
            if (System.IO.Directory.Exists(candidate)) return candidate;
        }
        throw new TemplateException($"Templates:Directory '{configured}' was found neither in {System.IO.Directory.GetCurrentDirectory()} nor in {AppContext.BaseDirectory}.");
    }
}

/// <summary>Who saved the edit in force, and when.</summary>
public sealed record TemplateOverrideInfo(long Version, DateTime UpdatedAt, string? UpdatedBy);

/// <summary>A template is missing or does not parse.</summary>
public sealed class TemplateException(string message) : Exception(message);
