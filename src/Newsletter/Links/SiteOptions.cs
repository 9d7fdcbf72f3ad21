using System.ComponentModel.DataAnnotations;

namespace Newsletter.Links;

/// <summary>Who publishes, and where the service is reachable from readers' mail clients.</summary>
public sealed class SiteOptions
{
    public const string Section = "Site";

    /// <summary>The public base URL every link in an email starts with, e.g. https://news.example.org.</summary>
    // The messages name the setting, not this class's member: an operator reads them, not the code.
    [Required(ErrorMessage = "Site:BaseUrl is required: the public address of this service, e.g. https://news.example.org.")]
    [Url(ErrorMessage = "Site:BaseUrl must be an absolute URL such as https://news.example.org.")]
    public string BaseUrl { get; set; } = "http://localhost:5080";

    /// <summary>The publisher's name, shown in emails and pages.</summary>
    [Required, StringLength(200, MinimumLength = 1)]
    public string Name { get; set; } = "Newsletter";

    /// <summary>The publisher's postal address for the footer of bulk mail (required outside the embedded default).</summary>
    [StringLength(500)]
    public string? PostalAddress { get; set; }

    /// <summary>The publisher's logo (an absolute URL, shown at most 48 px high) in the header of pages and emails; none: the name alone.</summary>
    [Url(ErrorMessage = "Site:LogoUrl must be an absolute URL such as https://blog.example.org/logo.png."), StringLength(2000)]
    public string? LogoUrl { get; set; }

    /// <summary>Where the header's name and logo lead: the blog's home page. None: this service's own landing page.</summary>
    [Url(ErrorMessage = "Site:HomeUrl must be an absolute URL such as https://blog.example.org."), StringLength(2000)]
    public string? HomeUrl { get; set; }

    /// <summary>The colour of buttons and links, as #rrggbb; it carries white text, so keep it dark (4.5:1 or more).</summary>
    [RegularExpression("^#[0-9a-fA-F]{6}$", ErrorMessage = "Site:AccentColor must be a colour written #rrggbb.")]
    public string AccentColor { get; set; } = "#1f5f8b";

    /// <summary>The publisher's privacy policy, linked beside every sign-up form and in the footer of pages.</summary>
    [Url(ErrorMessage = "Site:PrivacyUrl must be an absolute URL such as https://blog.example.org/privacy."), StringLength(2000)]
    public string? PrivacyUrl { get; set; }

    /// <summary>
    /// The language of pages and emails for readers who chose none, and of the archive: a language with complete
    /// texts (<see cref="Localization.ReaderLanguages.Supported"/>). A reader's own choice (the form, <c>?lang=</c>,
    /// <c>Accept-Language</c>, the preferences page) is kept on their row and wins.
    /// </summary>
    [Required, RegularExpression("^(en|de)$", ErrorMessage = "Site:Language must be one of the languages with complete texts: en, de.")]
    public string Language { get; set; } = Localization.ReaderLanguages.English;

    /// <summary>
    /// Puts the brand into a template's model: the one place that says which keys pages and emails get
    /// (site_name, home_url, logo_url, accent_color, privacy_url).
    /// </summary>
    public void AddBrandTo(IDictionary<string, object?> model)
    {
        model["site_name"] = Name;
        model["home_url"] = HomeUrl ?? BaseUrl.TrimEnd('/') + "/";
        model["logo_url"] = LogoUrl;
        model["accent_color"] = AccentColor;
        model["privacy_url"] = PrivacyUrl;
    }
}
