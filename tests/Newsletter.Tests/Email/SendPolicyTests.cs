using Newsletter.Email;
using Newsletter.Jobs;

namespace Newsletter.Tests.Email;

/// <summary>The one policy for what a row becomes after a send, for the outbox and the digests alike.</summary>
public sealed class SendPolicyTests
{
    private static readonly RetryPolicy Retry = new(MaxAttempts: 3, BaseDelay: TimeSpan.FromMinutes(1), MaxDelay: TimeSpan.FromMinutes(3));
    private static readonly DateTime Now = new(2026, 12, 2, 6, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData(SendOutcome.Accepted, RowFate.Sent, false)]
    [InlineData(SendOutcome.RecipientRefused, RowFate.Failed, true)]
    [InlineData(SendOutcome.RecipientFailed, RowFate.Failed, false)]
    [InlineData(SendOutcome.Invalid, RowFate.Failed, false)]
    [InlineData(SendOutcome.SenderRefused, RowFate.HoldForSender, false)]
    [InlineData(SendOutcome.NotHandedOver, RowFate.TryAgainNow, false)]
    [InlineData(SendOutcome.Unknown, RowFate.Unknown, false)]
    public void Each_outcome_has_one_fate_and_only_a_refused_address_is_suppressed(SendOutcome outcome, RowFate fate, bool suppress)
    {
        var decision = SendPolicy.Decide(new SendResult(outcome, null, null, "", true), attempts: 1, Retry, Now);
        Assert.Equal((fate, suppress), (decision.Fate, decision.Suppress));
    }

    [Fact]
    public void A_deferral_backs_off_doubling_up_to_the_cap_and_fails_when_attempts_run_out()
    {
        var deferred = new SendResult(SendOutcome.Deferred, 451, "4.7.1", "451 4.7.1 later", true);
        Assert.Equal((RowFate.RetryLater, Now.AddMinutes(1)), Fate(SendPolicy.Decide(deferred, 1, Retry, Now)));
        Assert.Equal((RowFate.RetryLater, Now.AddMinutes(2)), Fate(SendPolicy.Decide(deferred, 2, Retry, Now)));
        Assert.Equal((RowFate.Failed, (DateTime?)null), Fate(SendPolicy.Decide(deferred, 3, Retry, Now)));
        Assert.Equal(TimeSpan.FromMinutes(3), Retry.DelayAfter(10));
    }

    private static (RowFate, DateTime?) Fate(SendDecision decision) => (decision.Fate, decision.RetryAt);
}
