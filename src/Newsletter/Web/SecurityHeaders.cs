using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

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
            if (!headers.ContainsKey("Content-Security-Policy")) headers.ContentSecurityPolicy = PolicyFor(context.Request.Path);
            return Task.CompletedTask;
        });
        return next(context);
    });

    /// <summary>The policy for a response that did not set its own.</summary>
    public static string PolicyFor(PathString path) =>
        path.StartsWithSegments("/admin", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)
            ? DefaultPolicy
            : path.StartsWithSegments("/donate", StringComparison.OrdinalIgnoreCase) ? DonatePagePolicy : PublicPagePolicy;
}
