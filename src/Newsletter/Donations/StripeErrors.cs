using Stripe;

namespace Newsletter.Donations;

/// <summary>
/// What a failed call to Stripe looks like, in one place. Stripe.net throws a <see cref="StripeException"/> only when
/// Stripe answered (an error, or a 5xx after its retries). When Stripe cannot be reached it lets the HTTP client's own
/// exception through, unwrapped: <see cref="HttpRequestException"/> for a refused or dropped connection, and
/// <see cref="TaskCanceledException"/> when <see cref="StripeOptions.RequestTimeoutSeconds"/> runs out (both checked
/// against Stripe.net 53.1).
/// </summary>
public static class StripeErrors
{
    /// <summary>True when <paramref name="error"/> is Stripe refusing or out of reach, and not our own cancellation.</summary>
    public static bool IsStripeFailure(Exception error, CancellationToken cancellationToken) =>
        error is StripeException or HttpRequestException || (error is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    /// <summary>Stripe's error code, its HTTP status, or "unreachable" / "timeout": for logs and for staff.</summary>
    public static string CodeOf(Exception error) => error switch
    {
        StripeException stripe => stripe.StripeError?.Code ?? ((int)stripe.HttpStatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture),
        HttpRequestException => "unreachable",
        _ => "timeout",
    };
}
