using System.Reflection;
using Microsoft.Extensions.Logging;

namespace Newsletter.Tests.Hosting;

/// <summary>
/// Log event ids are unique, and each lies in its feature's range (the table in the root README, "Log event ids"), so
/// an id in a log line names one event of one feature.
/// </summary>
public sealed class LogEventIdTests
{
    /// <summary>The README's table: the first segment of the namespace after Newsletter (or Newsletter.Host) and its ids.</summary>
    private static readonly Dictionary<string, (int From, int To)> Ranges = new()
    {
        ["Host"] = (100, 999),
        ["Data"] = (1000, 1499),
        ["Audit"] = (1500, 1999),
        ["Email"] = (2000, 2999),
        ["Subscribers"] = (3000, 3999),
        ["Donations"] = (4000, 4999),
        ["Digests"] = (5000, 5999),
        ["Templates"] = (6000, 6999),
        ["Bounces"] = (7000, 7999),
        ["Articles"] = (8000, 8999),
        ["Staff"] = (9000, 9499),
        ["Web"] = (9500, 9999),
        ["Workers"] = (10000, 10999),
    };

    [Fact]
    public void Every_log_event_id_is_used_once_and_lies_in_its_features_range()
    {
        var events = new[] { typeof(Newsletter.Data.NewsletterDb).Assembly, typeof(Program).Assembly }
            .SelectMany(assembly => assembly.GetTypes())
            .SelectMany(type => type.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            .Select(method => (Method: method, Attribute: method.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(m => m.Attribute is not null)
            .Select(m => (m.Attribute!.EventId, Name: $"{m.Method.DeclaringType!.FullName}.{m.Method.Name}", Feature: Feature(m.Method.DeclaringType!)))
            .ToList();
        Assert.NotEmpty(events);
        var shared = events.GroupBy(e => e.EventId).Where(g => g.Count() > 1).Select(g => $"{g.Key}: {string.Join(", ", g.Select(e => e.Name))}").ToList();
        Assert.Empty(shared);
        var outside = events.Where(e => !Ranges.TryGetValue(e.Feature, out var range) || e.EventId < range.From || e.EventId > range.To)
            .Select(e => $"{e.EventId} {e.Name} ({e.Feature})").ToList();
        Assert.Empty(outside);
    }

    private static string Feature(Type type)
    {
        var parts = (type.Namespace ?? string.Empty).Split('.');
        return parts.Length > 1 && parts[1] == "Host" ? "Host" : parts.ElementAtOrDefault(1) ?? string.Empty;
    }
}
