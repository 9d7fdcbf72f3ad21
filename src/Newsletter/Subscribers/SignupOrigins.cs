namespace Newsletter.Subscribers;

/// <summary>
/// The blogs allowed to carry our sign-up (<c>Subscribers:AllowedOrigins</c>): they may call the JSON API from their
/// pages (CORS), send readers back to themselves after the form (<c>return_url</c>), and frame <c>/subscribe/embed</c>.
/// An origin is a scheme, a host and a port, e.g. <c>https://blog.example.org</c>: no path, no wildcard, so a return
/// URL can never send a reader to a site the publisher did not name.
/// </summary>
public static class SignupOrigins
{
    /// <summary>The origin of <paramref name="value"/> as browsers write it (lower case, default port left out), or null.</summary>
    public static string? Normalize(string? value)
    {
        if (!Uri.TryCreate(value?.Trim(), UriKind.Absolute, out var uri)) return null;
        if (uri.Scheme is not ("http" or "https") || uri.UserInfo.Length > 0 || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0) return null;
        return uri.GetLeftPart(UriPartial.Authority);
    }

    /// <summary>The configured origins, normalised; entries that are not origins are left out (start-up refuses them).</summary>
    public static IReadOnlyList<string> Of(SubscriberOptions options) =>
        options.AllowedOrigins.Select(Normalize).OfType<string>().Distinct(StringComparer.Ordinal).ToList();

    /// <summary>
    /// True when <paramref name="returnUrl"/> is an absolute http(s) URL on one of the allowed origins; it is then the
    /// URL to redirect to, exactly as given.
    /// </summary>
    public static bool IsAllowedReturnUrl(SubscriberOptions options, string? returnUrl)
    {
        if (string.IsNullOrEmpty(returnUrl) || returnUrl.Length > 2000 || Email.HeaderText.ContainsControlCharacters(returnUrl)) return false;
        if (!Uri.TryCreate(returnUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.UserInfo.Length > 0) return false;
        return Of(options).Contains(uri.GetLeftPart(UriPartial.Authority), StringComparer.Ordinal);
    }
}
