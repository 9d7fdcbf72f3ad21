using System.Text;

namespace Newsletter.Digests;

/// <summary>
/// Makes rendered text safe to send as 8bit MIME (RFC 5322: lines of at most 998 octets, CRLF endings), so each copy
/// can go out as its UTF-8 bytes with no per-recipient transfer encoding. Done once per issue, before the slots are cut.
/// </summary>
public static class MailLines
{
    /// <summary>Lines are broken well below the limit, leaving room for the per-reader values filled in later.</summary>
    public const int MaxLine = 700;

    /// <summary>
    /// CRLF line endings, and every line longer than <see cref="MaxLine"/> broken after a '>' (between tags) or at a
    /// space, whichever comes last; in HTML both are whitespace that changes nothing outside &lt;pre&gt;.
    /// </summary>
    public static string Wrap(string text)
    {
        var lines = text.Replace("\r\n", "\n").Replace('\r', '\n').Split('\n');
        var builder = new StringBuilder(text.Length + text.Length / MaxLine * 2 + 16);
        for (var l = 0; l < lines.Length; l++)
        {
            var line = lines[l].AsSpan();
            while (Encoding.UTF8.GetByteCount(line) > MaxLine)
            {
                var window = line[..Math.Min(line.Length, MaxLine / 2)];
                var cut = Math.Max(window.LastIndexOf('>'), window.LastIndexOf(' '));
                if (cut <= 0) cut = window.Length - 1;
                builder.Append(line[..(cut + 1)]).Append("\r\n");
                line = line[(cut + 1)..];
            }
            builder.Append(line);
            if (l < lines.Length - 1) builder.Append("\r\n");
        }
        return builder.ToString();
    }
}
