using Microsoft.Extensions.Options;

namespace Newsletter.Links;

/// <summary>Builds the absolute URLs that go into emails and pages.</summary>
public sealed class SiteLinks(IOptions<SiteOptions> site, LinkTokens tokens, TimeProvider clock)
{
    private string BaseUrl => site.Value.BaseUrl.TrimEnd('/');

    public string Absolute(string path) => BaseUrl + "/" + path.TrimStart('/');

    public string Confirm(Guid subscriber, TimeSpan validFor) =>
        Absolute("confirm/" + tokens.Create(LinkPurpose.Confirm, subscriber, clock.GetUtcNow().UtcDateTime + validFor));

    public string Preferences(Guid subscriber) => Absolute("preferences/" + ManageToken(subscriber));

    /// <summary>The RFC 8058 one-click URL: GET shows a page, POST with List-Unsubscribe=One-Click unsubscribes.</summary>
    public string Unsubscribe(Guid subscriber) => Absolute("unsubscribe/" + ManageToken(subscriber));

    public string ManageToken(Guid subscriber) => tokens.Create(LinkPurpose.Manage, subscriber);
}
