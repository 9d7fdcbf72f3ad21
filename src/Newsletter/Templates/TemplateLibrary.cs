using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Encodings.Web;
using Fluid;
using Fluid.Values;
using Newsletter.Localization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Newsletter.Templates;

/// <summary>
/// The Liquid templates (Fluid) that staff may edit: emails and public pages. Every template file is parsed at start-up,
/// and one that fails stops the host with its file, line and message. Parsed templates are immutable and shared.
/// Staff edits saved in the database (<see cref="TemplateOverride"/>) take the place of the file of the same name;
/// <see cref="TemplateOverrideSync"/> hands them to every process with <see cref="ApplyOverrides"/>.
/// </summary>
public sealed partial class TemplateLibrary
{
    private static readonly FluidParser Parser = new();
    private readonly ConcurrentDictionary<string, IFluidTemplate> _templates = new(StringComparer.Ordinal);
    private readonly TemplateOptions _options;
    private readonly TimeSpan _renderTimeout;
    private readonly ILogger _logger;
    // Replaced as a whole (never mutated), so a render sees one consistent set of overrides.
    private volatile OverrideSet _overrides = OverrideSet.Empty;

    public TemplateLibrary(IOptions<TemplateFolderOptions> options, ILogger<TemplateLibrary>? logger = null, ReaderText? text = null)
    {
        Folder = ResolveFolder(options.Value.Directory);
        _options = new TemplateOptions { MaxSteps = options.Value.MaxSteps };
        _options.MemberAccessStrategy.IgnoreCasing = true;
        // {{ "Form.Subscribe" | t }} or {{ "Confirm.Prompt" | t: email, site_name }}: the reader-facing words, in the
        // language of the model's "language" (see RenderAsync), from the resource files.
        var words = text ?? ReaderText.CreateDefault();
        _options.Filters.AddFilter("t", (input, arguments, context) =>
        {
            var args = Enumerable.Range(0, arguments.Count).Select(i => (object?)arguments.At(i).ToStringValue()).ToArray();
            var culture = context.CultureInfo.Equals(CultureInfo.InvariantCulture) ? ReaderLanguages.Culture(null) : context.CultureInfo;
            return new ValueTask<FluidValue>(new StringValue(words.Get(culture, input.ToStringValue(), args)));
        });
        _renderTimeout = options.Value.RenderTimeout;
        _logger = logger ?? NullLogger<TemplateLibrary>.Instance;
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

    public bool Contains(string? name) => name is not null && _templates.ContainsKey(name);

    /// <summary>
    /// Parses Liquid text; on failure <paramref name="error"/> carries the line and the parser's message. A template
    /// whose ranges could exhaust memory (see <see cref="TemplateLimits"/>) does not parse either.
    /// </summary>
    public static bool TryParse(string text, out IFluidTemplate template, out string error)
    {
        if (Parser.TryParse(text, out template, out var message))
        {
            error = TemplateLimits.RangeError(template) ?? string.Empty;
            return error.Length == 0;
        }
        error = message ?? "unknown parse error";
        return false;
    }

    /// <summary>Renders <paramref name="name"/> (e.g. "email/confirm.html") with HTML encoding of every value.</summary>
    public ValueTask<string> RenderHtmlAsync(string name, IReadOnlyDictionary<string, object?> model) =>
        RenderNamedAsync(name, model, HtmlEncoder.Default);

    /// <summary>Renders a plain-text template: values are written as they are.</summary>
    public ValueTask<string> RenderTextAsync(string name, IReadOnlyDictionary<string, object?> model) =>
        RenderNamedAsync(name, model, NullEncoder.Default);

    /// <summary>
    /// Renders the version in force; a staff edit that runs past the limits is logged and the file's version is used,
    /// so one bad edit cannot take the public pages down.
    /// </summary>
    private async ValueTask<string> RenderNamedAsync(string name, IReadOnlyDictionary<string, object?> model, TextEncoder encoder)
    {
        if (_overrides.Parsed.TryGetValue(name, out var edited))
        {
            try
            {
                return await RenderAsync(edited.Template, model, encoder);
            }
            catch (TemplateRenderException e)
            {
                LogEditFailed(_logger, e, name);
            }
        }
        // The file's version is the operator's own, on disk: held to the step limit, not to the time. It is what a bad
        // edit falls back to, and a machine still busy with the abandoned edit must not fail it too.
        return await RenderAsync(_templates.TryGetValue(name, out var file) ? file : throw new TemplateException($"Template '{name}' does not exist in {Folder}."), model, encoder, Timeout.InfiniteTimeSpan);
    }

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

    /// <summary>
    /// Renders within the step limit and the render timeout. The render runs on the thread pool so the timeout holds
    /// even for a template that never awaits; one that times out is abandoned (the step limit ends it soon after).
    /// </summary>
    /// <exception cref="TemplateRenderException">The template ran past its steps or its time.</exception>
    public ValueTask<string> RenderAsync(IFluidTemplate template, IReadOnlyDictionary<string, object?> model, TextEncoder encoder) =>
        RenderAsync(template, model, encoder, _renderTimeout);

    private async ValueTask<string> RenderAsync(IFluidTemplate template, IReadOnlyDictionary<string, object?> model, TextEncoder encoder, TimeSpan timeout)
    {
        var context = new TemplateContext(_options);
        foreach (var (key, value) in model) context.SetValue(key, value);
        // The reader's language: the t filter's words, and how Fluid writes numbers and dates.
        if (model.TryGetValue("language", out var language) && language is string code) context.CultureInfo = ReaderLanguages.Culture(code);
        try
        {
            var started = 0L;
            var html = await Task.Run(() =>
            {
                started = Stopwatch.GetTimestamp();
                return template.RenderAsync(context, encoder).AsTask();
            }).WaitAsync(timeout);
            // The timeout's timer needs a free thread of the pool to fire; on a busy machine a render can finish first
            // although it ran past its time. It is given up all the same, so the limit does not depend on the load.
            if (timeout != Timeout.InfiniteTimeSpan && Stopwatch.GetElapsedTime(started) > timeout) throw new TimeoutException();
            return html;
        }
        catch (TimeoutException e)
        {
            throw new TemplateRenderException($"The template took longer than {timeout.TotalSeconds:0.###} s to render.", e);
        }
        catch (InvalidOperationException e) when (e.Message.StartsWith("The maximum", StringComparison.Ordinal))
        {
            // Fluid's step and recursion limits (its step message speaks of recursion too).
            throw new TemplateRenderException($"The template ran past its limit of {_options.MaxSteps:N0} steps (or of nested includes).", e);
        }
    }

    [LoggerMessage(EventId = 6003, EventName = "TemplateEditFailed", Level = LogLevel.Error,
        Message = "The saved edit of template {Name} ran past its limits; the file's version was used instead")]
    private static partial void LogEditFailed(ILogger logger, Exception exception, string name);

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
