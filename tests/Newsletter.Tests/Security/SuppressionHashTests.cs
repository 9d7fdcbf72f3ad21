using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Email;
using Newsletter.Subscribers;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Security;

/// <summary>
/// The suppression list keeps a keyed hash and the SMTP codes only: a database copy and a list of candidate addresses
/// do not reveal who bounced or asked to be erased. Rows from before the key still suppress, and are re-keyed on sight.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class SuppressionHashTests(NewsletterApp app) : IClassFixture<NewsletterApp>
{
    private static string Sha256(string address) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(address.ToLowerInvariant())));

    [Fact]
    public async Task A_bounce_is_kept_as_a_keyed_hash_and_its_smtp_codes_without_the_address()
    {
        const string address = "bounced.reader@hashes.example";
        app.Smtp.DataReply = (_, recipients) => recipients.Contains(address) ? $"550 5.1.1 <{address}>: Recipient address rejected: User unknown in virtual mailbox table" : null;
        try
        {
            await app.CreateReaderClient().PostAsJsonAsync("/api/subscribers", new { email = address });
            await NewsletterApp.EventuallyAsync(() => app.WithDbAsync(db => db.Set<SuppressedAddress>().AnyAsync(s => s.Reason == SuppressionReason.HardBounce)), "the bounce suppressed");
        }
        finally
        {
            app.Smtp.DataReply = null;
        }
        var row = await app.WithDbAsync(db => db.Set<SuppressedAddress>().AsNoTracking().SingleAsync(s => s.Reason == SuppressionReason.HardBounce));
        Assert.Equal("550 5.1.1", row.Detail);
        Assert.True(row.Keyed);
        // Whoever holds a copy of the table and a list of candidates cannot find the reader in it.
        var candidates = new[] { address, "Bounced.Reader@hashes.example", "someone@hashes.example" };
        Assert.DoesNotContain(row.AddressHash, candidates.Select(Sha256));
        await using var scope = app.Services.CreateAsyncScope();
        var list = scope.ServiceProvider.GetRequiredService<SuppressionList>();
        Assert.True(await list.IsSuppressedAsync(EmailAddress.FromStored(address), CancellationToken.None));
        // The key is the install's: the same address hashes differently with another key.
        Assert.NotEqual(row.AddressHash, SuppressionList.Hash(new byte[32], address));
    }

    [Fact]
    public async Task A_row_hashed_before_the_key_still_suppresses_and_is_rekeyed_when_the_address_comes_back()
    {
        const string address = "erased.long.ago@hashes.example";
        await app.WithDbAsync(db =>
        {
            db.Add(new SuppressedAddress { AddressHash = Sha256(address), Keyed = false, Reason = SuppressionReason.Erased, CreatedAt = DateTime.UtcNow.AddYears(-1) });
            return db.SaveChangesAsync();
        });
        var response = await app.CreateReaderClient().PostAsJsonAsync("/api/subscribers", new { email = address });
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        Assert.False(await app.WithDbAsync(db => db.Set<Subscriber>().AnyAsync(s => s.EmailKey == address)), "a sign-up for an erased address was stored");
        await using var scope = app.Services.CreateAsyncScope();
        var hash = scope.ServiceProvider.GetRequiredService<SuppressionList>().HashOf(address);
        var row = await app.WithDbAsync(db => db.Set<SuppressedAddress>().AsNoTracking().SingleAsync(s => s.Reason == SuppressionReason.Erased && s.CreatedAt < DateTime.UtcNow.AddMonths(-6)));
        Assert.Equal((hash, true), (row.AddressHash, row.Keyed));
    }

    [Fact]
    public async Task A_lookup_larger_than_one_query_finds_the_suppressed_addresses_of_every_query()
    {
        // A digest batch checks 1,000 readers at once; the hashes go in several queries (HashesPerQuery), and an
        // address at either edge of a query, or in the last short one, must be found like any other.
        var perQuery = SuppressionList.HashesPerQuery / 2;
        var keys = Enumerable.Range(0, perQuery * 3 + 7).Select(i => EmailAddress.FromStored($"chunked.{i}@hashes.example").Key).ToList();
        var suppressed = new[] { 0, perQuery - 1, perQuery, perQuery * 2 + 1, keys.Count - 1 }.Select(i => keys[i]).ToList();
        var legacy = keys[perQuery * 2 - 1];
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var list = scope.ServiceProvider.GetRequiredService<SuppressionList>();
            foreach (var key in suppressed) await list.AddAsync(EmailAddress.FromStored(key), SuppressionReason.Manual, null, CancellationToken.None);
        }
        await app.WithDbAsync(db =>
        {
            db.Add(new SuppressedAddress { AddressHash = Sha256(legacy), Keyed = false, Reason = SuppressionReason.Manual, CreatedAt = DateTime.UtcNow.AddDays(-1) });
            return db.SaveChangesAsync();
        });

        await using var lookup = app.Services.CreateAsyncScope();
        var found = await lookup.ServiceProvider.GetRequiredService<SuppressionList>().SuppressedKeysAsync(keys, CancellationToken.None);

        Assert.Equal(suppressed.Append(legacy).Order(), found.Order());
    }

    [Theory]
    [InlineData("550 5.1.1 <ann@example.org>: Recipient address rejected", "550 5.1.1")]
    [InlineData("550 Mailbox ann@example.org unavailable", "550")]
    [InlineData("Digest delivery refused permanently.", null)]
    [InlineData(null, null)]
    public void Only_the_smtp_codes_of_a_reply_are_kept(string? reply, string? kept) => Assert.Equal(kept, SuppressionList.SmtpCodes(reply));
}
