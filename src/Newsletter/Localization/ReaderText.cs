using System.Globalization;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Newsletter.Localization;

/// <summary>
/// Every reader-facing sentence written in code or templates, from <c>ReaderText.resx</c> (English) and one
/// <c>ReaderText.{language}.resx</c> per other language (IStringLocalizer over .NET resources). Templates reach it through
/// the <c>t</c> filter (<c>{{ "Form.Subscribe" | t }}</c>, arguments after a colon); code through <see cref="Get"/>.
/// A key with no translation falls back to English (the resource manager's parent culture), never to nothing.
/// </summary>
public sealed class ReaderText(IStringLocalizer<ReaderText> strings)
{
    private static readonly Lazy<ReaderText> Shared = new(CreateDefault);

    /// <summary>The English words for code that speaks to staff with the readers' rules (import, the dashboard).</summary>
    public static ReaderWords English => Shared.Value.In(ReaderLanguages.English);

    /// <summary>The texts without dependency injection (a template library built by hand, in tests or tools).</summary>
    public static ReaderText CreateDefault() =>
        new(new StringLocalizer<ReaderText>(new ResourceManagerStringLocalizerFactory(Options.Create(new LocalizationOptions()), NullLoggerFactory.Instance)));

    /// <summary>The text of <paramref name="key"/> in <paramref name="language"/>; <c>{0}</c>, <c>{1}</c> take <paramref name="args"/>.</summary>
    public string Get(string language, string key, params object?[] args) => Get(ReaderLanguages.Culture(language), key, args);

    /// <inheritdoc cref="Get(string, string, object?[])"/>
    public string Get(CultureInfo culture, string key, params object?[] args)
    {
        // ResourceManagerStringLocalizer reads the UI culture of the calling thread; set it for this one synchronous call.
        var previous = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = culture;
        try
        {
            return args.Length == 0 ? strings[key].Value : string.Format(culture, strings[key].Value, args);
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }

    /// <summary>The words of one language, for code that builds several sentences (validation, emails).</summary>
    public ReaderWords In(string language) => new(this, ReaderLanguages.Normalize(language) ?? ReaderLanguages.English);

    /// <summary>Every key with its text in <paramref name="language"/>, without falling back to English.</summary>
    public IReadOnlyDictionary<string, string> All(string language)
    {
        var previous = CultureInfo.CurrentUICulture;
        // English is the neutral resource (no satellite of its own).
        var culture = ReaderLanguages.Culture(language);
        CultureInfo.CurrentUICulture = culture.Name == ReaderLanguages.English ? CultureInfo.InvariantCulture : culture;
        try
        {
            return strings.GetAllStrings(includeParentCultures: false).ToDictionary(s => s.Name, s => s.Value, StringComparer.Ordinal);
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }
}

/// <summary>The reader-facing words of one language.</summary>
public sealed record ReaderWords(ReaderText Text, string Language)
{
    public string this[string key, params object?[] args] => Text.Get(Language, key, args);
}
