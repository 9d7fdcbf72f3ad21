using System.Text.RegularExpressions;
using MimeKit;

namespace Newsletter.Tests.Support;

/// <summary>Reads links out of received emails the way a reader would: from the text part.</summary>
public static partial class Mail
{
    public static string Text(MimeMessage message) => message.TextBody ?? throw new InvalidOperationException("The message has no text part.");

    /// <summary>The first link in the text part whose path starts with <paramref name="pathPrefix"/>, as a relative URL.</summary>
    public static string Link(MimeMessage message, string pathPrefix)
    {
        foreach (Match match in UrlPattern().Matches(Text(message)))
        {
            var uri = new Uri(match.Value);
            if (uri.AbsolutePath.StartsWith(pathPrefix, StringComparison.Ordinal)) return uri.PathAndQuery;
        }
        throw new InvalidOperationException($"No link to {pathPrefix} in:\n{Text(message)}");
    }

    [GeneratedRegex(@"https?://[^\s<>""]+")]
    private static partial Regex UrlPattern();
}
