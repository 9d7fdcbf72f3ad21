namespace Newsletter.Email;

/// <summary>Guards text that can reach a mail header: no CR, LF or other control characters, ever.</summary>
public static class HeaderText
{
    public static bool ContainsControlCharacters(string value)
    {
        foreach (var c in value)
        {
            // Control characters, plus the Unicode line and paragraph separators that some clients fold on.
            if (char.IsControl(c) || c == '\u2028' || c == '\u2029') return true;
        }
        return false;
    }
}
