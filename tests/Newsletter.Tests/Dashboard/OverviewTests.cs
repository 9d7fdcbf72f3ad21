using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Newsletter.Dashboard;
using Newsletter.Subscribers;
using Newsletter.Templates;
using Newsletter.Tests.Support;
using Newsletter.Web;

namespace Newsletter.Tests.Dashboard;

/// <summary>The overview's numbers and alerts, against the host's real database and job storage.</summary>
[Collection(HostCollection.Name)]
public sealed class OverviewTests(NewsletterApp app) : IClassFixture<NewsletterApp>
{
    [Fact]
    public async Task The_growth_chart_counts_confirmed_readers_on_the_list_sign_ups_and_unsubscribes_per_day()
    {
        // A clock far ahead, so only the subscribers made here fall inside its 90 days.
        var now = new DateTime(2040, 3, 31, 12, 0, 0, DateTimeKind.Utc);
        await app.WithDbAsync(async db =>
        {
            var day = (int d) => now.Date.AddDays(-d).AddHours(9);
            db.AddRange(
                new Subscriber { Email = "g1@growth.example", EmailKey = "g1@growth.example", CreatedAt = day(2), ConfirmedAt = day(2), Status = SubscriberStatus.Confirmed, ConsentSource = "t" },
                new Subscriber { Email = "g2@growth.example", EmailKey = "g2@growth.example", CreatedAt = day(2), ConfirmedAt = day(1), Status = SubscriberStatus.Unsubscribed, UnsubscribedAt = day(0), ConsentSource = "t" },
                // Signed up today and not confirmed: a sign-up, not a reader on the list.
                new Subscriber { Email = "g3@growth.example", EmailKey = "g3@growth.example", CreatedAt = day(0), Status = SubscriberStatus.Unconfirmed, ConsentSource = "t" },
                new Subscriber { Email = "g4@growth.example", EmailKey = "g4@growth.example", CreatedAt = day(200), ConfirmedAt = day(200), Status = SubscriberStatus.Confirmed, ConsentSource = "t" },
                // Left long ago and confirmed again today: on the list from today.
                new Subscriber { Email = "g5@growth.example", EmailKey = "g5@growth.example", CreatedAt = day(300), ConfirmedAt = day(0), Status = SubscriberStatus.Confirmed, ConsentSource = "t" },
                // Unsubscribed from the confirmation email without ever confirming: never on the list, not an unsubscribe from it.
                new Subscriber { Email = "g6@growth.example", EmailKey = "g6@growth.example", CreatedAt = day(1), Status = SubscriberStatus.Unsubscribed, UnsubscribedAt = day(1), ConsentSource = "t" },
                // Left yesterday and came back from the preferences page today: one unsubscribe, one resubscribe.
                new Subscriber { Email = "g7@growth.example", EmailKey = "g7@growth.example", CreatedAt = day(400), ConfirmedAt = day(0), Status = SubscriberStatus.Confirmed, ConsentSource = "t" });
            await db.SaveChangesAsync();
            long Id(string email) => db.Set<Subscriber>().Single(s => s.EmailKey == email).Id;
            db.AddRange(
                new SubscriberEvent { SubscriberId = Id("g2@growth.example"), At = day(0), Kind = "unsubscribed", Detail = "one-click" },
                new SubscriberEvent { SubscriberId = Id("g5@growth.example"), At = day(0), Kind = "confirmed", Detail = "came back" },
                new SubscriberEvent { SubscriberId = Id("g6@growth.example"), At = day(1), Kind = "unsubscribed", Detail = "one-click" },
                new SubscriberEvent { SubscriberId = Id("g7@growth.example"), At = day(1), Kind = "unsubscribed", Detail = "one-click" },
                new SubscriberEvent { SubscriberId = Id("g7@growth.example"), At = day(0), Kind = "resubscribed" });
            await db.SaveChangesAsync();
        });
        var chart = await app.WithDbAsync(db => new SubscriberStatistics(db, new FixedClock(now)).GrowthAsync(confirmedNow: 4, CancellationToken.None));

        Assert.Equal(SubscriberStatistics.GrowthDays, chart.Labels.Count);
        Assert.Equal("2040-03-31", chart.Labels[^1]);
        Assert.Equal(["Confirmed readers", "Sign-ups", "Unsubscribes", "Resubscribes"], chart.Series.Select(s => s.Label));
        var (onList, signups, unsubscribes, resubscribes) = (chart.Series[0].Values, chart.Series[1].Values, chart.Series[2].Values, chart.Series[3].Values);
        Assert.Equal([2L, 1, 1], signups.TakeLast(3));
        // g7 left yesterday (g6's unsubscribe does not count: never confirmed) and g2 today; g7 and g5 came back today.
        Assert.Equal([0L, 1, 1], unsubscribes.TakeLast(3));
        Assert.Equal([0L, 0, 2], resubscribes.TakeLast(3));
        // Day ends (each reader from their latest confirmation): g1 and g4; then g2 confirmed too; today g2 left, g5 and g7 are back.
        Assert.Equal([2L, 3, 4], onList.TakeLast(3));
        Assert.Equal(1, onList[0]);
        Assert.Equal(4, signups.Sum());
    }

    [Fact]
    public async Task Failed_jobs_and_a_saved_template_that_no_longer_parses_show_up_as_alerts()
    {
        await using (var scope = app.Services.CreateAsyncScope())
        {
            // A job that fails with no retries left: the host's job server runs it and Hangfire records the failure.
            scope.ServiceProvider.GetRequiredService<IBackgroundJobClient>().Enqueue(() => FailingJob.Run());
        }
        // A row written by an older version, or by hand, that does not parse: the file is used and staff are told.
        await app.WithDbAsync(async db =>
        {
            db.Add(new TemplateOverride { Name = "pages/confirm", Text = "{% if %}", Version = 1, UpdatedAt = DateTime.UtcNow, UpdatedBy = "by hand" });
            await db.SaveChangesAsync();
        });
        await StaffBrowser.CreateAccountAsync(app, "alerts@example.org", StaffRoles.Editor);
        var browser = new StaffBrowser(app);
        await browser.LogInAsync("alerts@example.org");

        await NewsletterApp.EventuallyAsync(async () => (await browser.GetPageAsync("/admin")) is var page
            && page.Contains("Template pages/confirm") && page.Contains("job(s) failed"), "the template and job alerts");
        var overview = await browser.GetPageAsync("/admin");
        Assert.Contains("1 background job(s) failed.", overview);
        Assert.Contains("href=\"/admin/jobs/jobs/failed\"", overview);
        Assert.Contains("Template pages/confirm", overview);
        var templates = await browser.GetPageAsync("/admin/templates");
        Assert.Contains("<span class=\"status error\">no</span>", templates);
        // The file's version is still what readers get.
        var library = app.Services.GetRequiredService<TemplateLibrary>();
        Assert.Null(library.OverrideOf("pages/confirm"));
    }

    public static class FailingJob
    {
        [AutomaticRetry(Attempts = 0)]
        public static void Run() => throw new InvalidOperationException("SMTP said no");
    }
}
