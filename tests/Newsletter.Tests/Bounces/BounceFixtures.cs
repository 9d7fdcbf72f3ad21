using System.Text;
using Microsoft.Extensions.Options;
using MimeKit;
using Newsletter.Bounces;
using Newsletter.Data;
using Newsletter.Email;
using Newsletter.Links;

namespace Newsletter.Tests.Bounces;

/// <summary>
/// The captured and hand-written bounces under Fixtures/. Their VERP token is the placeholder <c>xverpx</c> and the
/// returned Message-ID's local part <c>xmsgidx</c>: a test puts a token made with its own key in their place.
/// </summary>
public static class BounceFixtures
{
    public static string Text(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Bounces", "Fixtures", name));

    /// <summary>The fixture with <paramref name="token"/> as VERP token and Message-ID, and any other replacements.</summary>
    public static byte[] Raw(string name, string? token = null, params (string From, string To)[] replacements)
    {
        var text = Text(name);
        if (token is not null) text = text.Replace("xverpx", token).Replace("xmsgidx", token);
        foreach (var (from, to) in replacements) text = text.Replace(from, to);
        return Encoding.UTF8.GetBytes(text);
    }

    public static MimeMessage Message(string name, string? token = null, params (string From, string To)[] replacements) =>
        MimeMessage.Load(new MemoryStream(Raw(name, token, replacements)));

    public static readonly string Key = Convert.ToBase64String(Enumerable.Range(7, 32).Select(i => (byte)i).ToArray());

    /// <summary>Bounce addresses as the test hosts make them: sender news@test-review.example, VERP bounces@test-review.example.</summary>
    public static BounceAddresses Addresses(string? bounceAddress = "bounces@test-review.example", string key = "") => new(
        new SigningKey(Options.Create(new SigningKeyOptions { SigningKey = key.Length > 0 ? key : Key }), Options.Create(new DatabaseOptions()), new DataDirectory(Path.GetTempPath())),
        Options.Create(new BounceOptions { Address = bounceAddress }),
        Options.Create(new EmailOptions { FromAddress = "news@test-review.example" }));
}
