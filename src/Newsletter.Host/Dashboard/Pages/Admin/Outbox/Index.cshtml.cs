using Microsoft.AspNetCore.Mvc;
using Newsletter.Email;

namespace Newsletter.Host.Dashboard.Pages.Admin.Outbox;

/// <summary>
/// The transactional outbox (confirmations, welcomes, receipts, manage links): how many are in each state, and the
/// ones staff may need to act on: Unknown (the server may or may not have it), Failed (refused for good or out of
/// attempts), and held (the server refuses our sender or content; they go by themselves once it accepts). Failed and
/// Unknown ones can be sent again, one or all, with the warning that an Unknown one may arrive twice.
/// </summary>
public sealed class IndexModel(TransactionalOutbox outbox) : StaffPage
{
    public const int Shown = 50;

    public override string Title => "Outbox";

    [BindProperty(SupportsGet = true)] public string? Notice { get; set; }
    [BindProperty(SupportsGet = true)] public int? Count { get; set; }

    public IReadOnlyDictionary<TransactionalEmailState, int> Counts { get; private set; } = new Dictionary<TransactionalEmailState, int>();
    public IReadOnlyList<TransactionalEmail> Unknown { get; private set; } = [];
    public IReadOnlyList<TransactionalEmail> Failed { get; private set; } = [];
    public IReadOnlyList<TransactionalEmail> Held { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Counts = await outbox.CountsAsync(cancellationToken);
        Unknown = await outbox.ListAsync(TransactionalEmailState.Unknown, null, Shown, cancellationToken);
        Failed = await outbox.ListAsync(TransactionalEmailState.Failed, null, Shown, cancellationToken);
        Held = await outbox.HeldAsync(Shown, cancellationToken);
    }

    public int CountOf(TransactionalEmailState state) => Counts.TryGetValue(state, out var count) ? count : 0;

    /// <summary>One Failed or Unknown email, again.</summary>
    public async Task<IActionResult> OnPostSendAgainAsync(long id, CancellationToken cancellationToken)
    {
        var email = await outbox.FindAsync(id, cancellationToken);
        if (email is null) return NotFound();
        if (!TransactionalOutbox.CanSendAgain(email.State)) return Redirect("/admin/outbox?notice=not-sent-again");
        // Another click may have sent it again between the read and the update: then this one sent nothing.
        var again = await outbox.SendAgainAsync(email.State, id, cancellationToken);
        return Redirect(again == 0 ? "/admin/outbox?notice=not-sent-again" : $"/admin/outbox?notice=sent-again&count={again}");
    }

    /// <summary>Every email in one state (failed or unknown), again.</summary>
    public async Task<IActionResult> OnPostSendAllAgainAsync(string? state, CancellationToken cancellationToken)
    {
        if (!Newsletter.Web.EnumNames.TryParse<TransactionalEmailState>(state, out var wanted) || !TransactionalOutbox.CanSendAgain(wanted))
            return BadRequest();
        var again = await outbox.SendAgainAsync(wanted, null, cancellationToken);
        return Redirect($"/admin/outbox?notice=sent-again&count={again}");
    }
}
