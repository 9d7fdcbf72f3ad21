using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Newsletter.Email;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Email;

/// <summary>
/// SMTP as a provider's submission port speaks it: the test server offers STARTTLS with a certificate made here and
/// AUTH PLAIN only once the session is encrypted, and refuses mail from a client that has not logged in. The host runs
/// with its production settings (Email:Smtp:Security StartTls, a user name and a password) and its certificate
/// validation as it is: the certificate is trusted the way an operator's CA would be, not by a switch in the host.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class SmtpSecurityTests(SmtpSecurityTests.App app) : IClassFixture<SmtpSecurityTests.App>
{
    public const string User = "news-sender";
    public const string Password = "the right password, 24+";

    public sealed class App : NewsletterApp
    {
        private readonly TestCertificate _certificate = new();

        public App()
        {
            Smtp.Certificate = _certificate.Certificate;
            Smtp.Credentials = (User, Password);
        }

        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [
            new("Email:Smtp:Security", "StartTls"),
            new("Email:Smtp:Username", User),
            new("Email:Smtp:Password", Password),
        ];

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            // xunit disposes fixtures through NewsletterApp's IAsyncLifetime, so the trust ends with the host instead.
            builder.ConfigureServices(services => services.AddHostedService(_ => new Untrust(_certificate)));
        }

        private sealed class Untrust(TestCertificate certificate) : IHostedService
        {
            public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

            public Task StopAsync(CancellationToken cancellationToken)
            {
                certificate.Dispose();
                return Task.CompletedTask;
            }
        }
    }

    [Fact]
    public async Task Mail_goes_over_STARTTLS_after_AUTH_with_the_configured_user()
    {
        await app.SignUpAsync("tls-reader@example.org");

        await app.Smtp.WaitForMessageToAsync("tls-reader@example.org");
        var received = app.Smtp.Messages.Single(m => m.Recipients.Contains("tls-reader@example.org"));
        // The session that carried the message was upgraded (TLS 1.2 or 1.3) and logged in as the configured user.
        Assert.NotNull(received.Tls);
        Assert.True(received.Tls is System.Security.Authentication.SslProtocols.Tls12 or System.Security.Authentication.SslProtocols.Tls13, $"negotiated {received.Tls}");
        Assert.Equal(User, received.AuthenticatedAs);
        Assert.Contains(app.Smtp.AuthAttempts, a => a is { User: User, Accepted: true });
        await NewsletterApp.EventuallyAsync(async () => (await app.OutboxEmailAsync("tls-reader@example.org")).State == TransactionalEmailState.Sent, "the confirmation to be Sent");
    }

    [Fact]
    public async Task A_wrong_password_says_so_keeps_the_email_and_it_goes_once_the_login_works()
    {
        // The provider changed the password; the host still has the old one.
        app.Smtp.Credentials = (User, "the password after the change");
        try
        {
            await app.SignUpAsync("locked-out@example.org");
            await NewsletterApp.EventuallyAsync(async () => app.Smtp.AuthAttempts.Any(a => !a.Accepted)
                && (await app.OutboxEmailAsync("locked-out@example.org")) is { State: TransactionalEmailState.Pending, LastError: not null },
                "the refused login to be recorded on the row");
            var waiting = await app.OutboxEmailAsync("locked-out@example.org");
            // A clear reason for staff: the server refused the login, in the server's own words.
            Assert.Contains("Authentication credentials invalid", waiting.LastError);
            Assert.Contains("535", waiting.LastError);
            Assert.Equal(0, waiting.Attempts);
            Assert.DoesNotContain(app.Smtp.Messages, m => m.Recipients.Contains("locked-out@example.org"));
        }
        finally
        {
            app.Smtp.Credentials = (User, Password);
        }

        // The operator fixes the password (here: the server takes the host's again); the kept row goes, once.
        await NewsletterApp.EventuallyAsync(async () => (await app.OutboxEmailAsync("locked-out@example.org")).State == TransactionalEmailState.Sent, "the kept email to be Sent");
        Assert.Single(app.Smtp.Messages, m => m.Recipients.Contains("locked-out@example.org"));
    }
}
