using System.ComponentModel.DataAnnotations;

namespace Newsletter.Staff;

/// <summary>Staff sign-in: lockout after repeated failures and how long a login lasts.</summary>
public sealed class StaffOptions
{
    public const string Section = "Staff";

    /// <summary>Wrong passwords in a row before the account is locked.</summary>
    [Range(1, 100)]
    public int MaxFailedAccessAttempts { get; set; } = 5;

    /// <summary>How long a locked account stays locked.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan LockoutDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long a login lasts without activity (the cookie slides while staff work).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>
    /// How long a login lasts at most, however busy: the sliding <see cref="SessionLifetime"/> would otherwise keep a
    /// used session (or a stolen cookie) alive for ever. Counted from the password entered.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "90.00:00:00")]
    public TimeSpan AbsoluteSessionLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How often a login is checked against its account (security stamp): a role change, a password reset or a removal
    /// reaches sessions already open within this time. Zero checks every request.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan SessionRecheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Refuse the dashboard over plain HTTP except from this machine (a loopback connection; never a request with no
    /// client address), so logins and cookies only travel encrypted. Behind a reverse proxy, forward X-Forwarded-Proto (see ReverseProxy:KnownProxies).
    /// </summary>
    public bool RequireHttps { get; set; } = true;

    /// <summary>The shortest password staff may choose.</summary>
    [Range(8, 128)]
    public int MinimumPasswordLength { get; set; } = 12;
}
