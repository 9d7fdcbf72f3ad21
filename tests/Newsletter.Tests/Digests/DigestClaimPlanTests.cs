using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Newsletter.Digests;
using Newsletter.Tests.Support;
using Npgsql;

namespace Newsletter.Tests.Digests;

/// <summary>
/// PostgreSQL plans a window's claim from the table's statistics, which know nothing of the rows the fan-out has just
/// written. Without fresh statistics it took the (IssueId, State) index and read every Pending row of the issue to find
/// a window's few ids: 12 ms a claim at 100,000 readers, and PostgreSQL's CPU four times the host's
/// (scripts/bench-send-postgres.sh). Right after Send now, a claim must look its ids up by key.
/// </summary>
[Trait("Database", "Postgres")]
[Collection(HostCollection.Name)]
public sealed partial class DigestClaimPlanTests(DigestClaimPlanTests.App app) : IClassFixture<DigestClaimPlanTests.App>
{
    public sealed class App : DigestApp
    {
        // One batch for the whole audience: the test looks at the plan, and the send only has to end cleanly.
        protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
            base.Settings.Concat([new("Digests:BatchSize", "100000"), new("Digests:ClaimWindow", "50")]);
    }

    [Fact]
    public async Task Right_after_Send_now_a_claim_finds_its_rows_by_key()
    {
        await app.AddReadersAsync("plan", 3000);
        await app.PushArticleAsync($"plan-{Guid.NewGuid():N}", "Planned claims", "books");
        var issueId = await app.SendNowAsync();

        var plan = await app.WithDbAsync(async db =>
        {
            var ids = await db.Set<Delivery>().Where(d => d.IssueId == issueId).OrderByDescending(d => d.Id).Select(d => d.Id).Take(3).ToListAsync();
            var connection = (NpgsqlConnection)db.Database.GetDbConnection();
            await connection.OpenAsync();
            // The ledger's own statement, its {n} placeholders as PostgreSQL's $n+1, with the values a claim sends.
            await using var explain = new NpgsqlCommand("EXPLAIN " + Placeholder().Replace(DeliveryLedger.ClaimSql.For(ids.Count), m => "$" + (int.Parse(m.Groups[1].Value) + 1)), connection);
            foreach (var value in new object[] { Guid.NewGuid(), DateTime.UtcNow, issueId }.Concat(ids.Cast<object>()))
                explain.Parameters.Add(new NpgsqlParameter { Value = value });
            var lines = new List<string>();
            await using var reader = await explain.ExecuteReaderAsync();
            while (await reader.ReadAsync()) lines.Add(reader.GetString(0));
            return string.Join("\n", lines);
        });

        Assert.Contains("\"PK_Deliveries\"", plan);
        Assert.DoesNotContain("IX_Deliveries_IssueId_State", plan);
        var counts = await app.WaitUntilSentAsync(issueId, TimeSpan.FromSeconds(120));
        Assert.Equal(3000, counts.Sent);
    }

    [GeneratedRegex(@"\{(\d+)\}")]
    private static partial Regex Placeholder();
}
