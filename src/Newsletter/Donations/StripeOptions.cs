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

    /// <summary>Both keys are set: checkout and webhooks work.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(SecretKey) && !string.IsNullOrWhiteSpace(WebhookSecret);
}
