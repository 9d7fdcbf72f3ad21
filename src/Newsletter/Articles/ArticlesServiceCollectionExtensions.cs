using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Newsletter.Jobs;

namespace Newsletter.Articles;

public static class ArticlesServiceCollectionExtensions
{
    /// <summary>Feeds, the article store, sanitising, and the push API's services.</summary>
    public static IServiceCollection AddArticles(this IServiceCollection services)
    {
        services.AddOptions<ArticleOptions>().BindConfiguration(ArticleOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<ArticleOptions>, ArticleOptionsValidator>();
        services.AddSingleton<ArticleSanitizer>();
        services.AddScoped<ArticleStore>();
        services.AddScoped<FeedPoller>();
        services.AddHttpClient(FeedPoller.HttpClientName, client =>
        {
            client.DefaultRequestHeaders.UserAgent.ParseAdd("Newsletter-FeedPoller/1.0");
            // Our own CancelAfter enforces the configured timeout.
            client.Timeout = Timeout.InfiniteTimeSpan;
        }).ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
        {
            AutomaticDecompression = System.Net.DecompressionMethods.All,
            MaxAutomaticRedirections = 5,
        });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IRecurringJobSource, FeedPollSchedule>());
        return services;
    }
}

/// <summary>Every feed must be an absolute http(s) URL. (A bad cron expression stops start-up when the job is registered.)</summary>
public sealed class ArticleOptionsValidator : IValidateOptions<ArticleOptions>
{
    public ValidateOptionsResult Validate(string? name, ArticleOptions options)
    {
        var failures = options.Feeds.Where(f => !ArticleInput.IsHttpUrl(f)).Select(f => $"Articles:Feeds has '{f}', which is not an absolute http(s) URL.").ToList();
        if (options.Timeout <= TimeSpan.Zero) failures.Add("Articles:Timeout must be positive.");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
