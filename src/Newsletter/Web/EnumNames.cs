namespace Newsletter.Web;

/// <summary>Values from a query string or form by their name, in any letter case.</summary>
public static class EnumNames
{
    /// <summary>
    /// True for a defined value of <typeparamref name="T"/> given by one name ("unknown", "Failed"); false for a number
    /// ("5" would parse as a value), a list ("sending,sent" would combine into another value) or an unknown word.
    /// </summary>
    public static bool TryParse<T>(string? value, out T result) where T : struct, Enum
    {
        result = default;
        return value is not null && !value.Contains(',') && !int.TryParse(value, out _)
            && Enum.TryParse(value, ignoreCase: true, out result) && Enum.IsDefined(result);
    }
}
