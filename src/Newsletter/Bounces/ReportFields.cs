using System.Text;
using MimeKit;

namespace Newsletter.Bounces;

/// <summary>
/// Reads the "Name: value" groups of a machine-readable report part (message/delivery-status,
/// message/global-delivery-status, message/feedback-report) from its decoded text, leniently: folded lines are
/// unfolded, blank lines separate groups, a line without a colon is skipped. Names are compared case-insensitively.
/// </summary>
public static class ReportFields
{
    /// <summary>At most this much of a report part is read; real ones are a few hundred bytes per recipient.</summary>
    private const int MaxBytes = 256 * 1024;

    public static List<Dictionary<string, string>> Groups(MimeEntity part)
    {
        var groups = new List<Dictionary<string, string>>();
        var text = Text(part);
        if (text is null) return groups;
        var current = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? lastName = null;
        foreach (var raw in text.Replace("\r\n", "\n").Split('\n'))
        {
            if (raw.Trim().Length == 0)
            {
                if (current.Count > 0) groups.Add(current);
                current = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                lastName = null;
                continue;
            }
            if ((raw[0] == ' ' || raw[0] == '\t') && lastName is not null)
            {
                current[lastName] += " " + raw.Trim();
                continue;
            }
            var colon = raw.IndexOf(':');
            if (colon <= 0) continue;
            lastName = raw[..colon].Trim();
            // The first occurrence wins: a repeated field in one group is a broken report, not new information.
            current.TryAdd(lastName, raw[(colon + 1)..].Trim());
        }
        if (current.Count > 0) groups.Add(current);
        return groups;
    }

    /// <summary>The value after an RFC 3464 type prefix ("rfc822; a@b" → "a@b", "smtp; 550 ..." → "550 ...").</summary>
    public static string? Typed(Dictionary<string, string> group, string name)
    {
        if (!group.TryGetValue(name, out var value) || string.IsNullOrWhiteSpace(value)) return null;
        var semicolon = value.IndexOf(';');
        var result = semicolon >= 0 && semicolon < 16 ? value[(semicolon + 1)..].Trim() : value.Trim();
        return result.Trim('<', '>').Trim();
    }

    public static string? Plain(Dictionary<string, string> group, string name) =>
        group.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    /// <summary>The decoded text of a leaf part, or null.</summary>
    public static string? Text(MimeEntity part)
    {
        if (part is not MimePart { Content: not null } leaf) return null;
        using var buffer = new MemoryStream();
        leaf.Content.DecodeTo(buffer);
        var bytes = buffer.GetBuffer().AsSpan(0, (int)Math.Min(buffer.Length, MaxBytes));
        return Encoding.UTF8.GetString(bytes);
    }
}
