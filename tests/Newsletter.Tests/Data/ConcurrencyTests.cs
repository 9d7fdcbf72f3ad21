using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Donations;
using Newsletter.Staff;
using Newsletter.Subscribers;
using Newsletter.Tests.Support;
using Newsletter.Web;

namespace Newsletter.Tests.Data;

/// <summary>
/// The rules that read, decide and write across rows (money, the last owner, an import's "new or existing"), run from parallel contexts at once, many rounds over, on the run's
/// database. On SQLite the single writer serialises them; the PostgreSQL pass (READ COMMITTED) is where they are proven.
/// </summary>
[Collection(HostCollection.Name)]
public sealed class ConcurrencyTests(NewsletterApp app) : IClassFixture<NewsletterApp>
{
    private const int Rounds = 40;

    [Fact]
    public async Task A_refund_applied_at_the_same_moment_as_the_payment_that_creates_the_donation_is_never_lost()
    {
        var paymentIntents = new List<string>();
        for (var round = 0; round < Rounds; round++)
        {
            var (session, intent) = ($"cs_race_{round}_{Guid.NewGuid():N}", $"pi_race_{round}_{Guid.NewGuid():N}");
            paymentIntents.Add(intent);
            var payment = new StripePayment(DonationKind.OneTime, 5000, "usd", PaymentOutcome.Paid, DateTime.UtcNow, session, intent);
            await AtOnceAsync(
                ledger => ledger.RecordStripePaymentAsync(payment, CancellationToken.None),
                ledger => ledger.RecordPaymentFactsAsync(intent, 1500, DisputeState.None, CancellationToken.None));
        }
        var donations = await app.WithDbAsync(db => db.Set<Donation>().AsNoTracking().Where(d => paymentIntents.Contains(d.StripePaymentIntentId!)).ToListAsync());
        Assert.Equal(Rounds, donations.Count);
        var lost = donations.Where(d => d.AmountRefunded != 1500 || d.Status != DonationStatus.PartiallyRefunded).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} of {Rounds} refunds were lost: " +
            string.Join(", ", lost.Select(d => $"{d.StripePaymentIntentId} {d.Status} refunded {d.AmountRefunded}")));
    }

    [Fact]
    public async Task Two_owners_demoting_or_removing_each_other_at_once_always_leave_an_owner()
    {
        var (first, second) = (await CreateOwnerAsync("race-first@example.org"), await CreateOwnerAsync("race-second@example.org"));
        for (var round = 0; round < Rounds / 2; round++)
        {
            var removing = round % 2 == 1;
            var outcomes = await AtOnceAsync<StaffChange>(
                (services, token) => Change(services, second, first, removing),
                (services, token) => Change(services, first, second, removing));
            var owners = await app.WithDbAsync(db => db.UserRoles.CountAsync(r => db.Roles.Any(x => x.Id == r.RoleId && x.Name == StaffRoles.Owner)));
            Assert.True(owners >= 1, $"Round {round}: no owner left after both {(removing ? "removals" : "demotions")} ran at once.");
            Assert.Equal(1, outcomes.Count(o => o.Succeeded));
            Assert.Contains(outcomes, o => o.Errors.Any(e => e.Contains("last owner", StringComparison.Ordinal)));
            // Put things back: whoever lost the owner role (or the account) is an owner again.
            first = await RestoreOwnerAsync("race-first@example.org");
            second = await RestoreOwnerAsync("race-second@example.org");
        }

        Task<StaffChange> Change(IServiceProvider services, string actor, string target, bool remove)
        {
            var accounts = services.GetRequiredService<StaffAccounts>();
            return remove
                ? accounts.RemoveAsync(target, target == first ? "race-first@example.org" : "race-second@example.org", actor, CancellationToken.None)
                : accounts.ChangeRoleAsync(target, StaffRoles.Editor, actor, CancellationToken.None);
        }
    }

    [Fact]
    public async Task Two_imports_of_the_same_addresses_at_once_both_finish_and_store_each_address_once()
    {
        const int rows = 3000;
        var csv = "email,name\n" + string.Join("\n", Enumerable.Range(1, rows).Select(i => $"both{i}@import.example,Reader {i}"));
        var reports = await AtOnceAsync<ImportReport>(Import, Import);
        Assert.All(reports, r => Assert.Equal((rows, 0), (r.Imported + r.Updated, r.Rejected)));
        Assert.Equal(rows, reports.Sum(r => r.Imported));
        Assert.Equal(rows, await app.WithDbAsync(db => db.Set<Subscriber>().CountAsync(s => s.EmailKey.EndsWith("@import.example"))));

        Task<ImportReport> Import(IServiceProvider services, CancellationToken token) =>
            services.GetRequiredService<SubscriberImport>().ImportAsync(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(csv)), ImportMode.Confirmed, token);
    }

    private async Task<string> CreateOwnerAsync(string email)
    {
        await using var scope = app.Services.CreateAsyncScope();
        var created = await scope.ServiceProvider.GetRequiredService<StaffAccounts>().CreateAsync(email, StaffRoles.Owner, "a long test password 123", CancellationToken.None);
        Assert.True(created.Succeeded, string.Join("; ", created.Errors));
        return created.User!.Id;
    }

    private async Task<string> RestoreOwnerAsync(string email)
    {
        var id = await app.WithDbAsync(db => db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleOrDefaultAsync());
        if (id is null) return await CreateOwnerAsync(email);
        await using var scope = app.Services.CreateAsyncScope();
        var changed = await scope.ServiceProvider.GetRequiredService<StaffAccounts>().ChangeRoleAsync(id, StaffRoles.Owner, null, CancellationToken.None);
        Assert.True(changed.Succeeded, string.Join("; ", changed.Errors));
        return id;
    }

    private Task AtOnceAsync(Func<DonationLedger, Task> one, Func<DonationLedger, Task> other) =>
        AtOnceAsync<int>(async (s, _) => { await one(s.GetRequiredService<DonationLedger>()); return 0; },
            async (s, _) => { await other(s.GetRequiredService<DonationLedger>()); return 0; });

    /// <summary>Runs both on their own scope (own context, own connection), released together from a gate.</summary>
    private async Task<T[]> AtOnceAsync<T>(params Func<IServiceProvider, CancellationToken, Task<T>>[] works)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = works.Select(work => Task.Run(async () =>
        {
            await using var scope = app.Services.CreateAsyncScope();
            // Open the connection before the gate, so both start their transactions at the same moment.
            await scope.ServiceProvider.GetRequiredService<Newsletter.Data.NewsletterDb>().Database.OpenConnectionAsync();
            await gate.Task;
            return await work(scope.ServiceProvider, CancellationToken.None);
        })).ToArray();
        gate.SetResult();
        return await Task.WhenAll(running);
    }
}
