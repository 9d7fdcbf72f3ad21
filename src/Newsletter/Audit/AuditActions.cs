namespace Newsletter.Audit;

/// <summary>The stable names of audited actions: what the audit page filters on and what exports show.</summary>
public static class AuditActions
{
    public const string Login = "staff.login";
    public const string LoginFailed = "staff.login-failed";
    public const string Logout = "staff.logout";
    public const string Setup = "staff.setup";
    public const string StaffCreated = "staff.created";
    public const string RoleChanged = "staff.role-changed";
    public const string Unlocked = "staff.unlocked";
    public const string PasswordReset = "staff.password-reset";
    public const string PasswordChanged = "staff.password-changed";
    public const string StaffRemoved = "staff.removed";
    public const string TemplateSaved = "template.saved";
    public const string TemplateReset = "template.reset";
    public const string DigestSent = "digest.sent";
    public const string DigestTestSent = "digest.test-sent";
    public const string DigestRetried = "digest.retry-failed";
    public const string DigestPaused = "digest.paused";
    public const string DigestResumed = "digest.resumed";
    public const string DigestCancelled = "digest.cancelled";
    public const string OutboxSentAgain = "outbox.sent-again";
    public const string SubscribersImported = "subscribers.imported";
    public const string SubscribersExported = "subscribers.exported";
    public const string SubscriberDataExported = "subscriber.data-exported";
    public const string SubscriberErased = "subscriber.erased";
    public const string SubscriberUnsubscribed = "subscriber.unsubscribed";
    public const string DonorDataExported = "donor.data-exported";
    public const string DonorErased = "donor.erased";
    public const string DonationsImported = "donations.imported";
    public const string DonationsExported = "donations.exported";
    public const string OfflineGiftRecorded = "donations.offline-recorded";
    public const string StatementsQueued = "donations.statements-queued";
    public const string RefundSeen = "donation.refund-seen";
    public const string DisputeSeen = "donation.dispute-seen";
    public const string ApiKeyCreated = "apikey.created";
    public const string ApiKeyRevoked = "apikey.revoked";
    public const string AuditExported = "audit.exported";
}
