using System.ComponentModel.DataAnnotations;

namespace Newsletter.Donations;

/// <summary>The Stripe account. Empty keys (the embedded default) mean donations are switched off, and the pages say so.</summary>
public sealed class StripeOptions
{
    public const string Section = "Stripe";

    /// <summary>The secret API key (sk_live_... or sk_test_...), from the environment: Stripe__SecretKey.</summary>
    public string? SecretKey { get; set; }

    /// <summary>The webhook endpoint's signing secret (whsec_...), from the environment: Stripe__WebhookSecret.</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>Stripe's API address; only tests and benchmarks change it (to a local fake).</summary>
    [Url]
    public string? ApiBase { get; set; }

    /// <summary>How old a webhook signature may be, in seconds (Stripe's default is 300).</summary>
    [Range(1, 3600)]
    public int WebhookToleranceSeconds { get; set; } = 300;

    /// <summary>
    /// How long one call to Stripe may take before it counts as failed, in seconds; Stripe.net then tries twice more
    /// (80 is its own default). A donor waiting on a hung Stripe sees the "try again" page after about three times this.
    /// </summary>
    [Range(1, 600)]
    public int RequestTimeoutSeconds { get; set; } = 80;

    /// <summary>Both keys are set: checkout and webhooks work.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(SecretKey) && !string.IsNullOrWhiteSpace(WebhookSecret);
}
