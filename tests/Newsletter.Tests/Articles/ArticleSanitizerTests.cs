using Newsletter.Articles;

namespace Newsletter.Tests.Articles;

/// <summary>Feed HTML is untrusted: what a hostile or careless feed sends must not reach an email or a page.</summary>
public sealed class ArticleSanitizerTests
{
    private readonly ArticleSanitizer _sanitizer = new();

    [Fact]
    public void Script_style_iframe_and_form_are_removed_with_their_content()
    {
        var html = _sanitizer.Sanitize("""
            <p>Kept</p><script>alert('x')</script><style>p{color:red}</style><iframe src="https://evil.example"></iframe>
            <form action="https://evil.example"><input name="q"><button>Go</button></form>
            """, "https://blog.example/posts/1");
        Assert.Contains("<p>Kept</p>", html);
        foreach (var forbidden in new[] { "<script", "alert", "<style", "color:red", "<iframe", "<form", "<input", "<button", "Go" })
            Assert.DoesNotContain(forbidden, html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Event_handlers_style_attributes_and_dangerous_urls_are_dropped()
    {
        var html = _sanitizer.Sanitize("""
            <img src="https://cdn.example/a.png" onerror="alert(1)" style="position:fixed">
            <a href="javascript:alert(2)" onclick="alert(3)">js</a>
            <a href="JaVaScRiPt&colon;alert(4)">js2</a>
            <img src="data:image/png;base64,iVBORw0KGgo=">
            <a href="vbscript:msgbox(5)">vb</a>
            """, "https://blog.example/posts/1");
        foreach (var forbidden in new[] { "onerror", "onclick", "style=", "javascript", "data:", "vbscript", "alert" })
            Assert.DoesNotContain(forbidden, html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("src=\"https://cdn.example/a.png\"", html);
    }

    [Fact]
    public void Relative_links_and_images_become_absolute_against_the_article()
    {
        var html = _sanitizer.Sanitize("""<a href="/about">About</a> <a href="next">Next</a> <img src="img/cover.jpg" alt="Cover">""", "https://blog.example/posts/one");
        Assert.Contains("href=\"https://blog.example/about\"", html);
        Assert.Contains("href=\"https://blog.example/posts/next\"", html);
        Assert.Contains("src=\"https://blog.example/posts/img/cover.jpg\"", html);
        Assert.Contains("alt=\"Cover\"", html);
    }

    [Fact]
    public void Plain_formatting_survives()
    {
        var html = _sanitizer.Sanitize("<h2>Title</h2><p>Some <strong>bold</strong> and <em>quiet</em> words.</p><ul><li>one</li></ul><blockquote>quote</blockquote>", "https://blog.example/");
        Assert.Equal("<h2>Title</h2><p>Some <strong>bold</strong> and <em>quiet</em> words.</p><ul><li>one</li></ul><blockquote>quote</blockquote>", html);
    }
}
