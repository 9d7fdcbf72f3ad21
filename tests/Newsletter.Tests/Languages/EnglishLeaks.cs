using System.Net;
using System.Text.RegularExpressions;
using AngleSharp.Html.Parser;
using Newsletter.Localization;

namespace Newsletter.Tests.Languages;

/// <summary>
/// Finds English left on a page or in an email meant for another language: every English resource text (each part
/// between its {0} placeholders, four letters or more, as whole words) that the other language translates differently.
/// </summary>
public static partial class EnglishLeaks
{
    private static readonly ReaderText Text = ReaderText.CreateDefault();

    public static IReadOnlyList<string> Fragments(string language)
    {
        var english = Text.All(ReaderLanguages.English);
        var other = Text.All(language);
        return english.Where(e => !other.TryGetValue(e.Key, out var translated) || translated != e.Value)
            .SelectMany(e => Placeholder().Split(e.Value).Select(f => f.Trim()).Where(f => f.Count(char.IsLetter) >= 4 && !other.GetValueOrDefault(e.Key, "").Contains(f)))
            .Distinct().ToList();
    }

    /// <summary>What a reader sees of an HTML document: its text, its title, and the placeholders and alt texts.</summary>
    public static string Visible(string html)
    {
        var document = new HtmlParser().ParseDocument(html);
        foreach (var hidden in document.QuerySelectorAll("style, script").ToList()) hidden.Remove();
        var attributes = document.QuerySelectorAll("[placeholder], [alt], [title], [aria-label]")
            .SelectMany(e => new[] { e.GetAttribute("placeholder"), e.GetAttribute("alt"), e.GetAttribute("title"), e.GetAttribute("aria-label") });
        return string.Join(" ", new[] { document.Title, document.Body?.TextContent }.Concat(attributes).Where(t => t is not null));
    }

    /// <summary>The English fragments found in <paramref name="visibleText"/>.</summary>
    public static List<string> In(string visibleText, string language = ReaderLanguages.German) =>
        Fragments(language).Where(f => Regex.IsMatch(visibleText, $@"(?<!\p{{L}}){Regex.Escape(f)}(?!\p{{L}})")).ToList();

    /// <summary>Fails with the English found, and where.</summary>
    public static void AssertNone(string visibleText, string where, string language = ReaderLanguages.German)
    {
        var found = In(WebUtility.HtmlDecode(visibleText), language);
        Assert.True(found.Count == 0, $"English on {where}: \"{string.Join("\", \"", found)}\"\n---\n{visibleText}");
    }

    [GeneratedRegex(@"\{\d+\}")]
    private static partial Regex Placeholder();
}
