using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Newsletter.Subscribers;

namespace Newsletter.Web;

/// <summary>
/// Headers every response carries, set in one place. Public pages (sign-up, confirm, preferences, unsubscribe, donate,
/// the archive) are rendered from templates that staff can edit, so they get a policy under which no script runs at
/// all: whatever a template says, it cannot act in a visitor's (or a logged-in owner's) browser on our origin.
/// The dashboard's pages set their own, stricter-for-them policy (<c>DashboardSetup.AddSecurityHeaders</c>).
/// </summary>
public static class SecurityHeaders
{
    /// <summary>
    /// No script, no plugin, no frame, no &lt;base&gt;; styles inline (the templates carry them) and images from anywhere
    /// (article pictures); forms post only to this site.
    /// </summary>
    public const string PublicPagePolicy =
        "default-src 'none'; style-src 'unsafe-inline'; img-src https: http: data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    /// <summary>
    /// The donate form posts to us and we answer 303 to Stripe Checkout; Chromium applies form-action to that redirect,
    /// so this one page also allows Stripe's checkout host.
    /// </summary>
    public const string DonatePagePolicy =
        "default-src 'none'; style-src 'unsafe-inline'; img-src https: http: data:; form-action 'self' https://checkout.stripe.com; frame-ancestors 'none'; base-uri 'none'";

    /// <summary>What any other response (JSON, the jobs dashboard, files) may never be: framed by another site.</summary>
    public const string DefaultPolicy = "frame-ancestors 'none'";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        context.Response.OnStarting(() =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            // Public links carry tokens (confirm, preferences, unsubscribe): never send them to another site.
            if (!headers.ContainsKey("Referrer-Policy")) headers["Referrer-Policy"] = "no-referrer";
            if (!headers.ContainsKey("Content-Security-Policy"))
            {
                var subscribers = context.RequestServices?.GetService<IOptions<SubscriberOptions>>()?.Value;
                headers.ContentSecurityPolicy = PolicyFor(context.Request.Path, subscribers is null ? [] : SignupOrigins.Of(subscribers));
            }
            return Task.CompletedTask;
        });
        return next(context);
    });

    /// <summary>
    /// The policy for a response that did not set its own. <paramref name="signupOrigins"/> are the blogs that carry the
    /// sign-up: the compact form at <c>/subscribe/embed</c> may be framed by them and nobody else (every other response
    /// by nobody), and the form at <c>/subscribe</c> may send the reader back to them after the post (Chromium applies
    /// form-action to that redirect).
    /// </summary>
    public static string PolicyFor(PathString path, IReadOnlyList<string> signupOrigins)
    {
        if (path.StartsWithSegments("/admin", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase))
            return DefaultPolicy;
        if (path.StartsWithSegments("/donate", StringComparison.OrdinalIgnoreCase)) return DonatePagePolicy;
        if (signupOrigins.Count == 0) return PublicPagePolicy;
        var origins = string.Join(' ', signupOrigins);
        if (path.StartsWithSegments(SignupEmbed.Path, StringComparison.OrdinalIgnoreCase))
            return PublicPagePolicy.Replace("frame-ancestors 'none'", "frame-ancestors " + origins, StringComparison.Ordinal);
        if (path.Equals("/subscribe", StringComparison.OrdinalIgnoreCase))
            return PublicPagePolicy.Replace("form-action 'self'", "form-action 'self' " + origins, StringComparison.Ordinal);
        return PublicPagePolicy;
    }
}
