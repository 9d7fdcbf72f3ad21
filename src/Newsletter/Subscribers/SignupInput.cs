using Newsletter.Email;
using Newsletter.Localization;

namespace Newsletter.Subscribers;

/// <summary>What a reader typed into the sign-up form or sent to the API, before it is trusted.</summary>
public sealed record SignupInput(string? Email, string? Name, string? Frequency, IReadOnlyList<string>? Topics, string? Language = null);

/// <summary>A sign-up whose every field has been checked; <see cref="Language"/> is one of <see cref="ReaderLanguages.Supported"/>.</summary>
public sealed record Signup(EmailAddress Email, string? Name, DigestFrequency Frequency, string Topics, string Language = ReaderLanguages.English);

/// <summary>
/// Checks sign-up and preference input at the edge; errors are keyed by field, in plain words of the reader's language
/// (<paramref name="words"/>; English when none is given: staff's import and dashboard).
/// </summary>
public static class SignupValidation
{
    public const int MaxNameLength = 200;
    public const int MaxTopicLength = 50;
    public const int MaxTopics = 20;

    /// <param name="requestLanguage">The language when the input names none: the request's (Accept-Language, ?lang=, Site:Language).</param>
    public static bool TryValidate(SignupInput input, SubscriberOptions options, string requestLanguage, ReaderWords words, out Signup? signup, out Dictionary<string, string[]> errors)
    {
        errors = [];
        signup = null;
        var language = TryLanguage(input.Language, requestLanguage, words, errors);
        // The reader reads the other errors in the language they chose, when it is one we have.
        if (errors.Count == 0) words = words.Text.In(language);
        if (!EmailAddress.TryParse(input.Email, words, out var email, out var emailError)) errors["email"] = [emailError];
        var name = TryName(input.Name, errors, words);
        var frequency = TryFrequency(input.Frequency, errors, words);
        var topics = TryTopics(input.Topics, options, errors, words);
        if (errors.Count > 0) return false;
        signup = new Signup(email!, name, frequency, topics, language);
        return true;
    }

    /// <summary>A supported language from the input, or <paramref name="fallback"/> when it names none.</summary>
    public static string TryLanguage(string? value, string fallback, ReaderWords words, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(value)) return ReaderLanguages.Normalize(fallback) ?? ReaderLanguages.English;
        if (ReaderLanguages.Normalize(value) is { } language) return language;
        errors["language"] = [words["Validation.Language", string.Join(", ", ReaderLanguages.Supported.Select(l => l.Code))]];
        return ReaderLanguages.Normalize(fallback) ?? ReaderLanguages.English;
    }

    public static string? TryName(string? value, Dictionary<string, string[]> errors, ReaderWords? words = null)
    {
        words ??= ReaderText.English;
        var name = value?.Trim();
        if (string.IsNullOrEmpty(name)) return null;
        if (HeaderText.ContainsControlCharacters(name)) errors["name"] = [words["Validation.NameControl"]];
        else if (name.Length > MaxNameLength) errors["name"] = [words["Validation.NameLong", MaxNameLength]];
        return name;
    }

    public static DigestFrequency TryFrequency(string? value, Dictionary<string, string[]> errors, ReaderWords? words = null)
    {
        if (string.IsNullOrWhiteSpace(value)) return DigestFrequency.Weekly;
        if (string.Equals(value.Trim(), "daily", StringComparison.OrdinalIgnoreCase)) return DigestFrequency.Daily;
        if (string.Equals(value.Trim(), "weekly", StringComparison.OrdinalIgnoreCase)) return DigestFrequency.Weekly;
        errors["frequency"] = [(words ?? ReaderText.English)["Validation.Frequency"]];
        return DigestFrequency.Weekly;
    }

    public static string TryTopics(IReadOnlyList<string>? values, SubscriberOptions options, Dictionary<string, string[]> errors, ReaderWords? words = null)
    {
        words ??= ReaderText.English;
        if (values is null || values.Count == 0) return string.Empty;
        var topics = values.Where(t => !string.IsNullOrWhiteSpace(t)).Select(t => t.Trim().ToLowerInvariant()).Distinct().Order(StringComparer.Ordinal).ToList();
        if (topics.Count == 0) return string.Empty;
        var allowed = options.Topics.Select(t => t.Trim().ToLowerInvariant()).ToHashSet();
        if (topics.Count > MaxTopics) errors["topics"] = [words["Validation.TopicsMax", MaxTopics]];
        else if (topics.Any(t => t.Length > MaxTopicLength || HeaderText.ContainsControlCharacters(t) || t.Contains(',')))
            errors["topics"] = [words["Validation.TopicBad"]];
        else if (topics.Any(t => !allowed.Contains(t)))
            errors["topics"] = [allowed.Count == 0 ? words["Validation.NoTopics"] : words["Validation.UnknownTopic", string.Join(", ", allowed.Order())]];
        return string.Join(',', topics);
    }
}
