namespace Newsletter.Links;

/// <summary>What a signed link lets its holder do. A token made for one purpose is refused for another.</summary>
public enum LinkPurpose : byte
{
    /// <summary>Confirm a sign-up (expires).</summary>
    Confirm = 1,
    /// <summary>Change preferences, unsubscribe, resubscribe (does not expire: old emails must keep working).</summary>
    Manage = 2,
    /// <summary>A donor's own page: their monthly gifts (to the Stripe Billing Portal) and statements (expires).</summary>
    DonorManage = 3,
}
