using System.Net;
using System.Net.Http.Json;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Subscribers;

/// <summary>
/// What a reader reads on the way in and out: the site's name once (Site:Name is "The Test Review", so "the The Test
/// Review newsletter" is the bug), a used link that says it was used, a form that a refresh cannot post twice, and
/// emails that offer only the links that make sense at that moment.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class ReaderCopyTests(NewsletterApp app) : IClassFixture<NewsletterApp>
{
    [Fact]
    public async Task Pages_and_the_confirmation_name_the_site_once_and_a_used_confirm_link_says_it_is_done()
    {
        var reader = app.CreateReaderClient();
        AssertNamedOnce(await reader.GetStringAsync("/subscribe"));

        // Post/redirect/get: the post answers 303 to a page of its own; reloading that page posts nothing.
        var posted = await reader.PostAsync("/subscribe", new FormUrlEncodedContent([new("email", "copy@example.org")]));
        Assert.Equal(HttpStatusCode.SeeOther, posted.StatusCode);
        Assert.Equal("/subscribe/thanks", posted.Headers.Location?.OriginalString);
        var thanks = await reader.GetAsync("/subscribe/thanks");
        Assert.Equal(HttpStatusCode.OK, thanks.StatusCode);
        Assert.Contains("Check your inbox", await thanks.Content.ReadAsStringAsync());

        var confirmation = await app.Smtp.WaitForMessageToAsync("copy@example.org");
        AssertNamedOnce(Mail.Text(confirmation));
        AssertNamedOnce(confirmation.HtmlBody!);
        Assert.Contains("receive The Test Review by email", Mail.Text(confirmation));
        // Not theirs until they confirm: nothing to manage, nothing to leave.
        foreach (var body in new[] { Mail.Text(confirmation), confirmation.HtmlBody! })
        {
            Assert.DoesNotContain("/preferences/", body);
            Assert.DoesNotContain("/unsubscribe/", body);
            Assert.DoesNotContain("Unsubscribe", body);
            Assert.DoesNotContain("Manage your preferences", body);
        }

        var confirmLink = Mail.Link(confirmation, "/confirm/");
        var unused = await reader.GetStringAsync(confirmLink);
        AssertNamedOnce(unused);
        Assert.Contains("Press the button to confirm", unused);
        Assert.Equal(HttpStatusCode.OK, (await reader.PostAsync(confirmLink, new FormUrlEncodedContent([]))).StatusCode);
        var used = await reader.GetStringAsync(confirmLink);
        Assert.DoesNotContain("Press the button", used);
        Assert.DoesNotContain("<button", used);
        Assert.Contains("This link has been used: your subscription is confirmed.", used);

        var unsubscribe = await reader.GetStringAsync(await app.UnsubscribeLinkAsync("copy@example.org"));
        AssertNamedOnce(unsubscribe);
        Assert.Contains("from The Test Review?", unsubscribe);
    }

    [Fact]
    public async Task The_goodbye_email_offers_a_way_back_and_no_unsubscribe_link()
    {
        var reader = app.CreateReaderClient();
        await reader.PostAsJsonAsync("/api/subscribers", new { email = "leaving@example.org" });
        await reader.PostAsync(Mail.Link(await app.Smtp.WaitForMessageToAsync("leaving@example.org"), "/confirm/"), new FormUrlEncodedContent([]));
        await reader.PostAsync(await app.UnsubscribeLinkAsync("leaving@example.org"), new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]));

        var goodbye = await app.Smtp.WaitForMessageToAsync("leaving@example.org", m => m.Subject?.Contains("unsubscribed") == true);
        AssertNamedOnce(Mail.Text(goodbye));
        foreach (var body in new[] { Mail.Text(goodbye), goodbye.HtmlBody! })
        {
            Assert.Contains("/preferences/", body);
            Assert.DoesNotContain("/unsubscribe/", body);
            Assert.DoesNotContain("Unsubscribe", body);
        }
    }

    [Fact]
    public async Task Without_branding_settings_pages_show_the_name_linking_to_the_landing_page()
    {
        var home = await app.CreateReaderClient().GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        var page = await home.Content.ReadAsStringAsync();
        Assert.Contains("<header class=\"site\"><a href=\"http://localhost/\">The Test Review</a></header>", page);
        Assert.DoesNotContain("<footer>", page);
        Assert.DoesNotContain("privacy policy", page);
        Assert.Contains("background: #1f5f8b", page);
    }

    private static void AssertNamedOnce(string text)
    {
        Assert.Contains("The Test Review", text);
        Assert.DoesNotContain("the The Test Review", text);
        Assert.DoesNotContain("The Test Review newsletter", text);
    }
}
