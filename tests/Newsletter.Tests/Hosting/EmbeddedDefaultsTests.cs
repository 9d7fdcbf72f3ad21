using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Newsletter.Links;
using Newsletter.Subscribers;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Hosting;

/// <summary>The embedded defaults: SQLite in the data directory, the pickup folder of .eml files, a generated signing key.</summary>
public sealed class PickupFolderApp : NewsletterApp
{
    /// <summary>The embedded defaults are SQLite by definition, in the PostgreSQL pass too.</summary>
    public override Newsletter.Data.DatabaseProvider Provider => Newsletter.Data.DatabaseProvider.Sqlite;

    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("Email:Transport", "Pickup"),
        new("Security:StaffApiKey", null),
    ];
}

[Collection(HostCollection.Name)]
public sealed class EmbeddedDefaultsTests(PickupFolderApp app) : IClassFixture<PickupFolderApp>
{
    [Fact]
    public async Task Subscribing_through_the_form_writes_a_confirmation_eml_into_the_outbox_folder()
    {
        var response = await app.CreateReaderClient().PostAsync("/subscribe", new FormUrlEncodedContent([new("email", "pickup@example.org"), new("frequency", "daily")]));
        Assert.Equal(HttpStatusCode.SeeOther, response.StatusCode);
        var outbox = Path.Combine(app.DataDirectory, "outbox");
        await NewsletterApp.EventuallyAsync(() => Task.FromResult(Directory.Exists(outbox) && Directory.GetFiles(outbox, "*.eml").Length > 0), "an .eml file");
        var message = await MimeMessage.LoadAsync(Directory.GetFiles(outbox, "*.eml").Single());
        Assert.Equal("pickup@example.org", message.To.Mailboxes.Single().Address);
        Assert.Contains("http://localhost/confirm/", message.TextBody);
        Assert.Empty(Directory.GetFiles(outbox, "*.tmp"));
        Assert.True(File.Exists(Path.Combine(app.DataDirectory, "newsletter.db")));
        Assert.True(File.Exists(Path.Combine(app.DataDirectory, "signing-key")));
    }

    [Fact]
    public void The_generated_signing_key_is_readable_by_the_service_account_only_and_leaves_no_temporary_file()
    {
        var path = Path.Combine(app.DataDirectory, "signing-key");
        Assert.True(File.Exists(path), "no signing-key file in the data directory");
        // Owner read and write, nothing for group or others (0600), whatever the process's umask allowed.
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.NotNull(SigningKey.Decode(File.ReadAllText(path)));
        Assert.Empty(Directory.GetFiles(app.DataDirectory, "signing-key*.tmp"));
    }

    [Fact]
    public async Task Health_reports_the_database_and_job_storage_and_the_api_is_described_by_openapi()
    {
        var client = app.CreateReaderClient();
        var health = await client.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("Healthy", await health.Content.ReadAsStringAsync());
        var openApi = await client.GetStringAsync("/openapi/v1.json");
        Assert.Contains("\"/api/subscribers\"", openApi);
        Assert.DoesNotContain("\"/unsubscribe/{token}\"", openApi);
    }

    [Fact]
    public async Task An_expired_confirmation_link_says_so_and_confirms_nothing()
    {
        await app.CreateReaderClient().PostAsJsonAsync("/api/subscribers", new { email = "late@example.org" });
        var subscriber = await app.WithDbAsync(db => db.Set<Subscriber>().SingleAsync(s => s.EmailKey == "late@example.org"));
        var tokens = app.Services.GetRequiredService<LinkTokens>();
        var expired = tokens.Create(LinkPurpose.Confirm, subscriber.PublicId, DateTime.UtcNow.AddMinutes(-1));

        var page = await app.CreateReaderClient().PostAsync("/confirm/" + expired, new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.Gone, page.StatusCode);
        Assert.Contains("expired", await page.Content.ReadAsStringAsync());
        Assert.Equal(SubscriberStatus.Unconfirmed, (await app.WithDbAsync(db => db.Set<Subscriber>().SingleAsync(s => s.EmailKey == "late@example.org"))).Status);
    }

    [Fact]
    public async Task The_purge_job_deletes_only_sign_ups_left_unconfirmed_past_the_expiry()
    {
        var old = DateTime.UtcNow.AddDays(-8);
        await app.WithDbAsync(async db =>
        {
            db.AddRange(
                new Subscriber { Email = "stale@example.org", EmailKey = "stale@example.org", ConsentAt = old, CreatedAt = old, UpdatedAt = old, ConsentSource = "test" },
                new Subscriber { Email = "fresh@example.org", EmailKey = "fresh@example.org", ConsentAt = DateTime.UtcNow, CreatedAt = DateTime.UtcNow, UpdatedAt = DateTime.UtcNow, ConsentSource = "test" },
                new Subscriber { Email = "kept@example.org", EmailKey = "kept@example.org", Status = SubscriberStatus.Confirmed, ConsentAt = old, CreatedAt = old, UpdatedAt = old, ConsentSource = "test" });
            await db.SaveChangesAsync();
        });
        await using var scope = app.Services.CreateAsyncScope();
        var purged = await scope.ServiceProvider.GetRequiredService<UnconfirmedPurgeJob>().RunAsync(CancellationToken.None);
        Assert.True(purged >= 1);
        var left = await app.WithDbAsync(db => db.Set<Subscriber>().Select(s => s.EmailKey).ToListAsync());
        Assert.DoesNotContain("stale@example.org", left);
        Assert.Contains("fresh@example.org", left);
        Assert.Contains("kept@example.org", left);
    }
}
