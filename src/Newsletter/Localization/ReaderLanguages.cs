using System.Globalization;

namespace Newsletter.Localization;

/// <summary>
/// The languages readers can have: one <c>ReaderText.{language}.resx</c> each (English is the neutral resource).
/// Languages are kept as two-letter ISO 639-1 codes (<c>de</c>, not <c>de-CH</c>): the form's field, a
/// <c>?lang=</c> and <c>Accept-Language</c> are all brought to one of these.
/// </summary>
public static class ReaderLanguages
{
    public const string English = "en";
    public const string German = "de";

    /// <summary>Every language with complete texts, and its name in itself (for the language choice on forms).</summary>
    public static readonly IReadOnlyList<(string Code, string Name)> Supported = [(English, "English"), (German, "Deutsch")];

    /// <summary>The request parameter that names a language (<c>/subscribe?lang=de</c>, the form field is <c>language</c>).</summary>
    public const string QueryKey = "lang";

    /// <summary>A supported language for <paramref name="value"/> (<c>de-DE</c> gives <c>de</c>), or null.</summary>
    public static string? Normalize(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        var code = value.Trim();
        var dash = code.IndexOfAny(['-', '_']);
        if (dash > 0) code = code[..dash];
        code = code.ToLowerInvariant();
        return Supported.Any(l => l.Code == code) ? code : null;
    }

    public static bool IsSupported(string? value) => Normalize(value) is not null && value!.Trim().Length == 2;

    public static CultureInfo Culture(string? language) => CultureInfo.GetCultureInfo(Normalize(language) ?? English);

    /// <summary>
    /// The language of the current request, as the request localization middleware chose it (<c>?lang=</c>, then
    /// <c>Accept-Language</c>, then <c>Site:Language</c>).
    /// </summary>
    public static string Current => Normalize(CultureInfo.CurrentUICulture.TwoLetterISOLanguageName) ?? English;

    /// <summary>The language a reader's stored row asks for, or the site's when they never chose one.</summary>
    public static string Of(string? stored, string siteLanguage) => Normalize(stored) ?? Normalize(siteLanguage) ?? English;

    /// <summary>
    /// Adds <c>?lang=</c> to a path of ours when the form's <paramref name="language"/> is not what the next request
    /// would choose by itself (<paramref name="requestLanguage"/>), so the page after a redirect speaks the form's language.
    /// </summary>
    public static string WithLanguage(string path, string language, string requestLanguage) =>
        language == requestLanguage ? path : path + (path.Contains('?') ? "&" : "?") + QueryKey + "=" + Uri.EscapeDataString(language);
}
