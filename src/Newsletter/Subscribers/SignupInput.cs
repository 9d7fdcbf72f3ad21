using Newsletter.Email;

namespace Newsletter.Subscribers;

/// <summary>What a reader typed into the sign-up form or sent to the API, before it is trusted.</summary>
public sealed record SignupInput(string? Email, string? Name, string? Frequency, IReadOnlyList<string>? Topics);

/// <summary>A sign-up whose every field has been checked.</summary>
public sealed record Signup(EmailAddress Email, string? Name, DigestFrequency Frequency, string Topics);

/// <summary>Checks sign-up and preference input at the edge; errors are keyed by field, in plain words.</summary>
public static class SignupValidation
{
    public const int MaxNameLength = 200;
    public const int MaxTopicLength = 50;
    public const int MaxTopics = 20;

    public static bool TryValidate(SignupInput input, SubscriberOptions options, out Signup? signup, out Dictionary<string, string[]> errors)
    {
        errors = [];
        signup = null;
        if (!EmailAddress.TryParse(input.Email, out var email, out var emailError)) errors["email"] = [emailError];
        var name = TryName(input.Name, errors);
        var frequency = TryFrequency(input.Frequency, errors);
        var topics = TryTopics(input.Topics, options, errors);
        if (errors.Count > 0) return false;
        signup = new Signup(email!, name, frequency, topics);
        return true;
    }

    public static string? TryName(string? value, Dictionary<string, string[]> errors)
    {
        var name = value?.Trim();
        if (string.IsNullOrEmpty(name)) return null;
        if (HeaderText.ContainsControlCharacters(name)) errors["name"] = ["The name must not contain line breaks or control characters."];
        else if (name.Length > MaxNameLength) errors["name"] = [$"The name is longer than {MaxNameLength} characters."];
        return name;
    }

    public static DigestFrequency TryFrequency(string? value, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(value)) return DigestFrequency.Weekly;
        if (string.Equals(value.Trim(), "daily", StringComparison.OrdinalIgnoreCase)) return DigestFrequency.Daily;
        if (string.Equals(value.Trim(), "weekly", StringComparison.OrdinalIgnoreCase)) return DigestFrequency.Weekly;
        errors["frequency"] = ["Frequency must be daily or weekly."];
        return DigestFrequency.Weekly;
    }

    public static string TryTopics(IReadOnlyList<string>? values, SubscriberOptions options, Dictionary<string, string[]> errors)
    {
        if (values is null || values.Count == 0) return string.Empty;
        var topics = values.Where(t => !string.IsNullOrWhiteSpace(t)).Select(t => t.Trim().ToLowerInvariant()).Distinct().Order(StringComparer.Ordinal).ToList();
        if (topics.Count == 0) return string.Empty;
        var allowed = options.Topics.Select(t => t.Trim().ToLowerInvariant()).ToHashSet();
        if (topics.Count > MaxTopics) errors["topics"] = [$"Choose at most {MaxTopics} topics."];
        else if (topics.Any(t => t.Length > MaxTopicLength || HeaderText.ContainsControlCharacters(t) || t.Contains(',')))
            errors["topics"] = ["A topic is too long or contains characters that are not allowed."];
        else if (topics.Any(t => !allowed.Contains(t)))
            errors["topics"] = [allowed.Count == 0 ? "This newsletter has no topics to choose from." : "Unknown topic; choose from: " + string.Join(", ", allowed.Order())];
        return string.Join(',', topics);
    }
}
