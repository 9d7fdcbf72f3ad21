using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace Newsletter.Tests.Bounces;

/// <summary>
/// Stands in for sns.{region}.amazonaws.com in the SNS certificate client: it serves a local test certificate for
/// any .pem path and answers subscription confirmations, and counts what was asked, so tests see that a bad URL is
/// never fetched and a good one is fetched once. Messages are signed with the certificate's real key, as SNS does.
/// </summary>
public sealed class SnsCertificateServer : HttpMessageHandler
{
    private readonly RSA _key = RSA.Create(2048);
    private readonly X509Certificate2 _certificate;

    public SnsCertificateServer()
    {
        var request = new CertificateRequest("CN=sns.us-east-1.amazonaws.com", _key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    public const string CertificateUrl = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-test.pem";
    public const string TopicArn = "arn:aws:sns:us-east-1:123456789012:ses-bounces";

    public List<string> Requests { get; } = [];

    /// <summary>While true, every request fails as one to a host whose name does not resolve would (DNS down).</summary>
    public bool Unreachable { get; set; }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        lock (Requests) Requests.Add(request.RequestUri!.ToString());
        if (Unreachable)
            throw new HttpRequestException(HttpRequestError.NameResolutionError, $"Name or service not known ({request.RequestUri.Host}:443)",
                new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.HostNotFound));
        var response = request.RequestUri!.AbsolutePath.EndsWith(".pem", StringComparison.Ordinal)
            ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(_certificate.ExportCertificatePem()) }
            : new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("<ConfirmSubscriptionResponse/>") };
        return Task.FromResult(response);
    }

    /// <summary>An SNS Notification carrying <paramref name="message"/>, signed (SignatureVersion 2 unless told).</summary>
    public string Notification(string message, string messageId, string certificateUrl = CertificateUrl, string version = "2") =>
        Signed(new Dictionary<string, string>
        {
            ["Type"] = "Notification", ["MessageId"] = messageId, ["TopicArn"] = TopicArn, ["Message"] = message,
            ["Timestamp"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ"), ["SignatureVersion"] = version, ["SigningCertURL"] = certificateUrl,
        }, ["Message", "MessageId", "Timestamp", "TopicArn", "Type"]);

    public string SubscriptionConfirmation(string subscribeUrl) =>
        Signed(new Dictionary<string, string>
        {
            ["Type"] = "SubscriptionConfirmation", ["MessageId"] = Guid.NewGuid().ToString(), ["Token"] = "token-123", ["TopicArn"] = TopicArn,
            ["Message"] = "You have chosen to subscribe.", ["SubscribeURL"] = subscribeUrl,
            ["Timestamp"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ"), ["SignatureVersion"] = "2", ["SigningCertURL"] = CertificateUrl,
        }, ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]);

    private string Signed(Dictionary<string, string> fields, string[] signed)
    {
        var canonical = new StringBuilder();
        foreach (var name in signed) canonical.Append(name).Append('\n').Append(fields[name]).Append('\n');
        var hash = fields["SignatureVersion"] == "1" ? HashAlgorithmName.SHA1 : HashAlgorithmName.SHA256;
        fields["Signature"] = Convert.ToBase64String(_key.SignData(Encoding.UTF8.GetBytes(canonical.ToString()), hash, RSASignaturePadding.Pkcs1));
        return JsonSerializer.Serialize(fields);
    }

    protected override void Dispose(bool disposing)
    {
        // The handler outlives each HttpClient; the test app owns it.
        if (disposing) { }
    }
}
