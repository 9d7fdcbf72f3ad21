using Microsoft.AspNetCore.Mvc;
using Newsletter.Donations;

namespace Newsletter.Host.Dashboard.Pages.Admin.Donations;

/// <summary>
/// Checkout payments on the Stripe account that this service did not start and was not told to record: Adopt records
/// one as a donation (its stored events are applied again, refunds and disputes included); Dismiss hides it.
/// </summary>
public sealed class UnmatchedModel(UnmatchedPayments unmatched, DonationCalendar calendar) : StaffPage
{
    public override string Title => "Unmatched payments";

    [BindProperty(SupportsGet = true)] public string? Notice { get; set; }

    public IReadOnlyList<UnmatchedStripePayment> Waiting { get; private set; } = [];
    public IReadOnlyList<UnmatchedStripePayment> Adopted { get; private set; } = [];

    public string LocalDate(DateTime utc) => calendar.Date(utc);

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Waiting = await unmatched.ListAsync(UnmatchedState.Unmatched, 200, cancellationToken);
        Adopted = await unmatched.ListAsync(UnmatchedState.Adopted, 20, cancellationToken);
    }

    public async Task<IActionResult> OnPostAdoptAsync(long id, CancellationToken cancellationToken) =>
        Redirect("/admin/donations/unmatched?notice=" + (await unmatched.AdoptAsync(id, StaffName, cancellationToken) ? "adopted" : "gone"));

    public async Task<IActionResult> OnPostDismissAsync(long id, CancellationToken cancellationToken) =>
        Redirect("/admin/donations/unmatched?notice=" + (await unmatched.DismissAsync(id, StaffName, cancellationToken) ? "dismissed" : "gone"));
}
