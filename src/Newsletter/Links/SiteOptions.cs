using System.ComponentModel.DataAnnotations;

namespace Newsletter.Links;

/// <summary>Who publishes, and where the service is reachable from readers' mail clients.</summary>
public sealed class SiteOptions
{
    public const string Section = "Site";

    /// <summary>The public base URL every link in an email starts with, e.g. https://news.example.org.</summary>
    [Required, Url]
    public string BaseUrl { get; set; } = "http://localhost:5080";

    /// <summary>The publisher's name, shown in emails and pages.</summary>
    [Required, StringLength(200, MinimumLength = 1)]
    public string Name { get; set; } = "Newsletter";

    /// <summary>The publisher's postal address for the footer of bulk mail (required outside the embedded default).</summary>
    [StringLength(500)]
    public string? PostalAddress { get; set; }
}
