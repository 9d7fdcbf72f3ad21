using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Newsletter.Host.Hosting;

/// <summary>
/// The lines a wrong setting prints at start-up: "Configuration error: " and what an operator needs, which key and
/// what is wrong with it. Options checked by data annotations come wrapped in a preamble about the C# class and member
/// ("DataAnnotation validation failed for 'SiteOptions' members: 'BaseUrl' with the error: '...'"); when the message
/// inside names its key itself ("Site:BaseUrl must be ..."), the preamble is dropped, since it names code, not settings.
/// </summary>
public static partial class ConfigurationErrors
{
    public static IEnumerable<string> Lines(OptionsValidationException exception) =>
        exception.Failures.Select(failure => "Configuration error: " + Unwrap(failure));

    public static IEnumerable<string> Lines(AggregateException exception) =>
        exception.InnerExceptions.Cast<OptionsValidationException>().SelectMany(Lines);

    private static string Unwrap(string failure)
    {
        var match = DataAnnotationPreamble().Match(failure);
        return match.Success && NamesAKey().IsMatch(match.Groups["message"].Value) ? match.Groups["message"].Value : failure;
    }

    [GeneratedRegex("^DataAnnotation validation failed for '[^']*' members: '[^']*' with the error: '(?<message>.*)'\\.$", RegexOptions.Singleline)]
    private static partial Regex DataAnnotationPreamble();

    // "Site:BaseUrl ...", "Subscribers:AllowedOrigins:0 ...": a section, a colon, a key.
    [GeneratedRegex("^[A-Z][A-Za-z]+:[A-Z][A-Za-z0-9:]* ")]
    private static partial Regex NamesAKey();
}
