using System.ComponentModel.DataAnnotations;

namespace Newsletter.Subscribers;

public sealed class SubscriberOptions : IValidatableObject
{
    public const string Section = "Subscribers";

    /// <summary>How long a confirmation link works; unconfirmed sign-ups older than this are purged.</summary>
    public TimeSpan ConfirmationExpiry { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Topics a reader may choose (matching article categories). Empty: readers cannot choose topics.</summary>
    public List<string> Topics { get; set; } = [];

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
        for (var i = 0; i < AllowedOrigins.Count; i++)
            if (SignupOrigins.Normalize(AllowedOrigins[i]) is null)
                yield return new ValidationResult(
                    $"{Section}:{nameof(AllowedOrigins)}:{i} must be an origin such as https://blog.example.org (scheme, host and port; no path, no wildcard), not '{AllowedOrigins[i]}'.",
                    [nameof(AllowedOrigins)]);
    }
}
