using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Newsletter.Bounces;

/// <summary>
/// Checks an Amazon SNS message the way AWS documents it: the signing certificate is fetched over HTTPS only from
/// <c>https://sns.{region}.amazonaws.com/...pem</c> (the URL is checked before anything is fetched; TLS to that host is
/// the trust), cached per URL for the life of the process, and the RSA signature (SignatureVersion 1: SHA1, 2: SHA256)
/// must match the canonical string of the message's fields.
/// </summary>
public sealed partial class SnsMessageVerifier(IHttpClientFactory http, TimeProvider clock)
{
    public const string HttpClientName = "Bounces.SnsCertificates";
    private const int MaxCertificateBytes = 64 * 1024;

    private readonly ConcurrentDictionary<string, Lazy<Task<X509Certificate2>>> _certificates = new();

    /// <summary>True when <paramref name="url"/> is an SNS signing certificate URL we may fetch.</summary>
    public static bool IsSnsCertificateUrl(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps && uri.IsDefaultPort
        && SnsHost().IsMatch(uri.Host) && uri.AbsolutePath.EndsWith(".pem", StringComparison.Ordinal) && string.IsNullOrEmpty(uri.Query) && uri.UserInfo.Length == 0;

    /// <summary>True for an <c>sns.{region}.amazonaws.com</c> HTTPS URL (the subscription confirmation link).</summary>
    public static bool IsSnsUrl(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps && uri.IsDefaultPort && SnsHost().IsMatch(uri.Host) && uri.UserInfo.Length == 0;

    /// <summary>
    /// Why a message is not taken: forged or malformed (the sender's fault: a 400, and SNS does not send it again), or
    /// not checkable now because the signing certificate could not be fetched (a DNS failure, a timeout, AWS answering
    /// 5xx: ours, a 503, and SNS tries again later, so a bounce or complaint is not lost to a network blip).
    /// </summary>
    public sealed record Refusal(string Reason, bool TryAgainLater = false);

    /// <summary>Null when the message is genuine; otherwise why not.</summary>
    public async Task<Refusal?> VerifyAsync(JsonElement message, CancellationToken cancellationToken)
    {
        var type = Field(message, "Type");
        var certificateUrl = Field(message, "SigningCertURL") ?? Field(message, "SigningCertUrl");
        if (!IsSnsCertificateUrl(certificateUrl)) return new Refusal("SigningCertURL is not an https://sns.<region>.amazonaws.com/ certificate.");
        var signature = Field(message, "Signature");
        if (signature is null) return new Refusal("The message has no Signature.");
        byte[] signatureBytes;
        try { signatureBytes = Convert.FromBase64String(signature); }
        catch (FormatException) { return new Refusal("The Signature is not base64."); }
        var hash = Field(message, "SignatureVersion") switch
        {
            "1" => HashAlgorithmName.SHA1,
            "2" => HashAlgorithmName.SHA256,
            _ => (HashAlgorithmName?)null,
        };
        if (hash is null) return new Refusal("Unknown SignatureVersion.");
        string[] names = type switch
        {
            "Notification" => ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"],
            "SubscriptionConfirmation" or "UnsubscribeConfirmation" => ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"],
            _ => [],
        };
        if (names.Length == 0) return new Refusal("Unknown SNS message type.");
        var canonical = new StringBuilder();
        foreach (var name in names)
        {
            var value = Field(message, name);
            if (value is null)
            {
                if (name == "Subject") continue;
                return new Refusal($"The message has no {name}.");
            }
            canonical.Append(name).Append('\n').Append(value).Append('\n');
        }
        X509Certificate2 certificate;
        try
        {
            certificate = await CertificateAsync(certificateUrl!, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // No answer, or AWS failing: nothing says the message is forged. A 4xx for the certificate is the forger's.
            var ours = e is not HttpRequestException { StatusCode: { } status } || (int)status >= 500;
            return new Refusal("The signing certificate could not be fetched: " + e.Message, TryAgainLater: ours);
        }
        catch (Exception e) when (e is CryptographicException or InvalidDataException)
        {
            return new Refusal("The signing certificate could not be read: " + e.Message);
        }
        var now = clock.GetUtcNow().UtcDateTime;
        if (now < certificate.NotBefore.ToUniversalTime() || now > certificate.NotAfter.ToUniversalTime()) return new Refusal("The signing certificate is not valid now.");
        using var rsa = certificate.GetRSAPublicKey();
        if (rsa is null) return new Refusal("The signing certificate has no RSA key.");
        return rsa.VerifyData(Encoding.UTF8.GetBytes(canonical.ToString()), signatureBytes, hash.Value, RSASignaturePadding.Pkcs1)
            ? null : new Refusal("The SNS signature does not match.");
    }

    private Task<X509Certificate2> CertificateAsync(string url, CancellationToken cancellationToken)
    {
        var lazy = _certificates.GetOrAdd(url, u => new Lazy<Task<X509Certificate2>>(() => FetchAsync(u)));
        var task = lazy.Value;
        // A failed fetch is not kept: the next message tries again.
        if (task.IsFaulted || task.IsCanceled) _certificates.TryRemove(new KeyValuePair<string, Lazy<Task<X509Certificate2>>>(url, lazy));
        return task.WaitAsync(cancellationToken);
    }

    private async Task<X509Certificate2> FetchAsync(string url)
    {
        using var client = http.CreateClient(HttpClientName);
        client.Timeout = TimeSpan.FromSeconds(10);
        using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[MaxCertificateBytes];
        var length = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer.AsMemory(length))) > 0)
        {
            length += read;
            if (length == buffer.Length) throw new InvalidDataException("The certificate is larger than 64 KiB.");
        }
        return X509Certificate2.CreateFromPem(Encoding.ASCII.GetString(buffer, 0, length));
    }

    private static string? Field(JsonElement message, string name) => SesNotifications.String(message, name);

    [GeneratedRegex(@"^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")]
    private static partial Regex SnsHost();
}
