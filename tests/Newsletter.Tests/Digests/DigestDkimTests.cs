using System.Net.Http.Json;
using System.Security.Cryptography;
using MimeKit;
using MimeKit.Cryptography;
using Newsletter.Digests;
using Newsletter.Tests.Support;
using Org.BouncyCastle.Crypto;

namespace Newsletter.Tests.Digests;

/// <summary>With a DKIM key configured, every digest carries a signature a receiver can verify.</summary>
[Collection(HostCollection.Name)]
public sealed class DigestDkimTests(DigestDkimTests.DkimApp app) : IClassFixture<DigestDkimTests.DkimApp>
{
    [Fact]
    public async Task A_digest_is_signed_over_the_required_headers_and_verifies_with_the_published_key()
    {
        await app.PushArticleAsync("dkim-1", "Signed piece", "books");
        var reader = (await app.AddReadersAsync("dkim", 1))[0];
        using var staff = app.CreateStaffClient();
        var response = await staff.PostAsJsonAsync("/api/admin/digests/send-now", new { frequency = "daily" });
        var issue = (await response.Content.ReadFromJsonAsync<DigestAdminApi.IssueSummary>())!;
        await app.WaitUntilSentAsync(issue.Id);

        var message = app.MessagesTo(reader.Email).Single();
        var signature = message.Headers[message.Headers.IndexOf(HeaderId.DkimSignature)];
        Assert.Contains("d=test-review.example", signature.Value);
        Assert.Contains("s=news2026", signature.Value);
        var signed = signature.Value.Split("h=")[1].Split(';')[0].Replace(" ", "").Replace("\t", "").Replace("\r\n", "").ToLowerInvariant().Split(':');
        foreach (var header in new[] { "from", "subject", "date", "to", "message-id", "list-unsubscribe", "list-unsubscribe-post" })
            Assert.Contains(header, signed);
        var verifier = new DkimVerifier(new StaticKeyLocator(app.PublicKeyRecord));
        Assert.True(await verifier.VerifyAsync(message, signature));

        // Tampering with a signed header breaks the signature.
        message.Headers.Replace(HeaderId.Subject, "Something else");
        Assert.False(await verifier.VerifyAsync(message, signature));
    }

    public sealed class DkimApp : DigestApp
    {
        private readonly string _keyPath = Path.Combine(Path.GetTempPath(), $"dkim-{Guid.NewGuid():N}.pem");

        public DkimApp()
        {
            using var rsa = RSA.Create(2048);
            File.WriteAllText(_keyPath, rsa.ExportRSAPrivateKeyPem());
            PublicKeyRecord = "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo());
        }

        /// <summary>The TXT record an operator would publish at news2026._domainkey.test-review.example.</summary>
        public string PublicKeyRecord { get; }

        protected override IEnumerable<KeyValuePair<string, string?>> Settings => base.Settings.Concat(
        [
            new("Email:Dkim:KeyPath", _keyPath),
            new("Email:Dkim:Selector", "news2026"),
            new("Email:Dkim:Domain", "test-review.example"),
        ]);
    }

    private sealed class StaticKeyLocator(string record) : DkimPublicKeyLocatorBase
    {
        public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            domain == "test-review.example" && selector == "news2026" ? GetPublicKey(record) : throw new InvalidOperationException("Unknown key " + selector);

        public override Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            Task.FromResult(LocatePublicKey(methods, domain, selector, cancellationToken));
    }
}
