using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Newsletter.Tests.Support;

/// <summary>
/// A self-signed certificate for 127.0.0.1 and localhost, made in the test and trusted for as long as it lives: it is
/// put into the user's root store (on Linux .NET's own store, which X509Chain and so SslStream consult) and taken out
/// again on dispose. The client under test keeps its real certificate validation; nothing in the host is relaxed.
/// </summary>
public sealed class TestCertificate : IDisposable
{
    public TestCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=test-smtp.localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        // Through PKCS#12 so the private key is usable by SslStream on every platform.
        Certificate = X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pkcs12), password: null);
        using var store = new X509Store(StoreName.Root, StoreLocation.CurrentUser);
        store.Open(OpenFlags.ReadWrite);
        store.Add(X509CertificateLoader.LoadCertificate(Certificate.RawData));
    }

    /// <summary>The certificate with its private key, for the server.</summary>
    public X509Certificate2 Certificate { get; }

    private bool _disposed;

    /// <summary>Idempotent: a WebApplicationFactory stops its host (and so this) from both DisposeAsync and Dispose.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        using (var store = new X509Store(StoreName.Root, StoreLocation.CurrentUser))
        {
            store.Open(OpenFlags.ReadWrite);
            foreach (var found in store.Certificates.Find(X509FindType.FindByThumbprint, Certificate.Thumbprint, validOnly: false)) store.Remove(found);
        }
        Certificate.Dispose();
    }
}
