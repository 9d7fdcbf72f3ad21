using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Newsletter.Articles;
using Newsletter.Subscribers;

namespace Newsletter.Digests;

/// <summary>
/// Who an issue goes to, and what of it they read: confirmed readers of the issue's frequency whose topics meet the
/// issue's (a reader with no topics reads everything; a reader with topics gets the issue only if it has one of
/// theirs, and reads only the articles in their topics). The rule is written here once, in the three forms its callers
/// need side by side: SQL for the fan-out's <c>INSERT ... SELECT</c>, LINQ for counting it beforehand (the dashboard),
/// and in memory for the renderer's choice of articles. Suppressed addresses are part of the audience: they are
/// skipped at send time, when the batch checks the list (the list holds keyed hashes, which SQL cannot compute).
/// </summary>
public static class DigestAudience
{
    /// <summary>
    /// The audience as a SQL condition on <c>"Subscribers" AS s</c>. Its values are appended to
    /// <paramref name="parameters"/> and referenced by their position there (<c>{n}</c>, as
    /// <see cref="RelationalDatabaseFacadeExtensions.ExecuteSqlRawAsync(DatabaseFacade, string, IEnumerable{object}, CancellationToken)"/> takes them).
    /// </summary>
    public static string Sql(DatabaseFacade database, DigestIssue issue, List<object> parameters)
    {
        string Parameter(object value)
        {
            parameters.Add(value);
            return "{" + (parameters.Count - 1) + "}";
        }
        // "Does ',books,film,' contain ',film,'": each provider spells substring search its own way.
        Func<string, string> contains =
            database.IsSqlServer() ? p => $"CHARINDEX({p}, ',' + s.\"Topics\" + ',') > 0"
            : database.IsNpgsql() ? p => $"strpos(',' || s.\"Topics\" || ',', {p}) > 0"
            : p => $"instr(',' || s.\"Topics\" || ',', {p}) > 0";
        var status = Parameter((int)SubscriberStatus.Confirmed);
        var frequency = Parameter((int)issue.Frequency);
        var topicTests = TopicsOf(issue).Select(topic => contains(Parameter("," + topic + ",")));
        var topicFilter = string.Join(" OR ", new[] { "s.\"Topics\" = ''" }.Concat(topicTests));
        return $"s.\"Status\" = {status} AND s.\"Frequency\" = {frequency} AND ({topicFilter})";
    }

    /// <summary>The audience as a LINQ filter (the same rule as <see cref="Sql"/>), e.g. to count it before the issue starts.</summary>
    public static IQueryable<Subscriber> Of(IQueryable<Subscriber> subscribers, DigestIssue issue)
    {
        var readers = subscribers.Where(s => s.Status == SubscriberStatus.Confirmed && s.Frequency == issue.Frequency);
        // Written as an expression because EF cannot OR a list of "contains" tests given as a collection.
        var parameter = Expression.Parameter(typeof(Subscriber), "s");
        var topics = Expression.Property(parameter, nameof(Subscriber.Topics));
        Expression test = Expression.Equal(topics, Expression.Constant(string.Empty));
        var wrapped = Expression.Call(typeof(string).GetMethod(nameof(string.Concat), [typeof(string), typeof(string), typeof(string)])!,
            Expression.Constant(","), topics, Expression.Constant(","));
        foreach (var topic in TopicsOf(issue))
            test = Expression.OrElse(test, Expression.Call(wrapped, typeof(string).GetMethod(nameof(string.Contains), [typeof(string)])!, Expression.Constant("," + topic + ",")));
        return readers.Where(Expression.Lambda<Func<Subscriber, bool>>(test, parameter));
    }

    /// <summary>
    /// The articles a reader of <paramref name="readerTopics"/> (comma-separated; empty: every topic) reads, in order:
    /// those with one of their topics among the article's categories.
    /// </summary>
    public static List<Article> ArticlesFor(string readerTopics, IReadOnlyList<Article> articles)
    {
        var wanted = readerTopics.Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
        return wanted.Count == 0 ? articles.ToList() : articles.Where(a => a.CategoryList.Any(wanted.Contains)).ToList();
    }

    private static string[] TopicsOf(DigestIssue issue) => issue.Topics.Split(',', StringSplitOptions.RemoveEmptyEntries);
}
