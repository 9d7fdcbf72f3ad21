namespace Newsletter.Host.Dashboard;

/// <summary>
/// The dashboard's menu. Areas whose feature has not landed yet are listed as placeholders, so the layout already has
/// their place: when a feature adds its pages it sets <see cref="NavEntry.Url"/> here.
/// </summary>
public static class DashboardNavigation
{
    public static readonly IReadOnlyList<NavEntry> Entries =
    [
        new("Overview", "/admin"),
        new("Subscribers", "/admin/subscribers"),
        new("Articles", "/admin/articles"),
        new("Digests", "/admin/digests"),
        new("Donations", "/admin/donations"),
        new("Outbox", "/admin/outbox"),
        new("Bounces", "/admin/bounces"),
        new("Templates", "/admin/templates"),
        new("Jobs", "/admin/jobs"),
    ];

    /// <summary>True when <paramref name="path"/> is inside the entry's section (the overview matches only itself).</summary>
    public static bool IsCurrent(NavEntry entry, PathString path) =>
        entry.Url is not null && (entry.Url == "/admin"
            ? path.Equals("/admin", StringComparison.OrdinalIgnoreCase) || path.Equals("/admin/", StringComparison.OrdinalIgnoreCase)
            : path.StartsWithSegments(entry.Url, StringComparison.OrdinalIgnoreCase));
}

/// <summary>A menu entry; no <see cref="Url"/> means "coming soon".</summary>
public sealed record NavEntry(string Title, string? Url);
