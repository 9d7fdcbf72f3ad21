using System.ComponentModel.DataAnnotations;

namespace Newsletter.Subscribers;

public sealed class SubscriberOptions : IValidatableObject
{
    public const string Section = "Subscribers";

    /// <summary>How long a confirmation link works; unconfirmed sign-ups older than this are purged.</summary>
    public TimeSpan ConfirmationExpiry { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Topics a reader may choose (matching article categories). Empty: readers cannot choose topics.</summary>
    public List<string> Topics { get; set; } = [];

    /// <summary>
    /// What readers see for each topic, per language: <c>TopicNames:de:books = "Bücher"</c>. A topic without a name in
    /// the reader's language shows its name in <c>Site:Language</c>, else its value.
    /// </summary>
    public Dictionary<string, Dictionary<string, string>> TopicNames { get; set; } = [];

    /// <summary>The name of <paramref name="topic"/> in <paramref name="language"/>, else in <paramref name="siteLanguage"/>, else the topic itself.</summary>
    public string TopicName(string topic, string language, string siteLanguage)
    {
        foreach (var candidate in new[] { language, siteLanguage })
        {
            var names = TopicNames.FirstOrDefault(n => string.Equals(n.Key, candidate, StringComparison.OrdinalIgnoreCase)).Value;
            var name = names?.FirstOrDefault(n => string.Equals(n.Key, topic.Trim(), StringComparison.OrdinalIgnoreCase)).Value;
            if (!string.IsNullOrWhiteSpace(name)) return name;
        }
        return topic;
    }

    /// <summary>Send a short "you're unsubscribed" email after unsubscribing.</summary>
    public bool SendGoodbyeEmail { get; set; } = true;

    /// <summary>Send a welcome email (the archive, the preferences) once a reader has confirmed; at most once per reader.</summary>
    public bool SendWelcomeEmail { get; set; } = true;

    /// <summary>
    /// Blogs that carry the sign-up (see <see cref="SignupOrigins"/>): CORS for <c>POST /api/subscribers</c>, the form's
    /// <c>return_url</c>, and who may frame <c>/subscribe/embed</c>. Empty: none of the three.
    /// </summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>The biggest CSV import accepted, in bytes.</summary>
    [Range(1024, long.MaxValue)]
    public long MaxImportBytes { get; set; } = 2L * 1024 * 1024 * 1024;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var language in TopicNames.Keys.Where(l => Localization.ReaderLanguages.Normalize(l) != l.ToLowerInvariant()))
            yield return new ValidationResult(
                $"{Section}:{nameof(TopicNames)}:{language} is not a language with texts; use one of: {string.Join(", ", Localization.ReaderLanguages.Supported.Select(l => l.Code))}.",
                [nameof(TopicNames)]);
        for (var i = 0; i < AllowedOrigins.Count; i++)
            if (SignupOrigins.Normalize(AllowedOrigins[i]) is null)
                yield return new ValidationResult(
                    $"{Section}:{nameof(AllowedOrigins)}:{i} must be an origin such as https://blog.example.org (scheme, host and port; no path, no wildcard), not '{AllowedOrigins[i]}'.",
                    [nameof(AllowedOrigins)]);
    }
}
