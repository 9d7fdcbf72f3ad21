using Microsoft.Extensions.Options;
using MimeKit;
using Newsletter.Email;
using Newsletter.Links;
using Newsletter.Localization;

namespace Newsletter.Donations;

/// <summary>
/// A donor's annual statement email: the gifts of the year in the body, the same statement as a PDF attachment, and a
/// signed link to download it again. The outbox row carries the year as its subject and the donor's address as recipient.
/// It speaks the donor's language (<see cref="DonorLanguage"/>).
/// </summary>
public sealed class DonationStatementComposer(DonorStatements statements, DonorLinks donorLinks, ReceiptWording wording, EmailRenderer renderer,
    MessageFactory messages, IOptions<SiteOptions> site, DonorLanguage donorLanguage, ReaderText text) : ITransactionalEmailComposer
{
    /// <summary>The <see cref="TransactionalEmail.Kind"/> of an annual statement.</summary>
    public const string StatementKind = "donation.statement";

    public string Kind => StatementKind;

    public async Task<MimeMessage?> ComposeAsync(TransactionalEmail email, CancellationToken cancellationToken)
    {
        if (!EmailAddress.TryParse(email.Recipient, out var recipient, out _)) return null;
        var year = (int)email.SubjectId;
        var words = text.In(await donorLanguage.ForEmailAsync(recipient.Key, cancellationToken));
        var statement = await statements.BuildAsync(recipient.Key, year, words.Language, cancellationToken);
        if (statement is null) return null;
        var access = await donorLinks.AccessAsync(recipient.Key, cancellationToken);
        var model = new Dictionary<string, object?>
        {
            ["language"] = words.Language,
            ["name"] = statement.DonorName,
            ["year"] = year,
            ["gifts"] = statement.Gifts.Select(g => new Dictionary<string, object?>
            {
                ["date"] = g.Date,
                ["amount"] = Money.Format(g.Amount, g.Currency, words),
                ["kind"] = g.Description,
                ["refunded"] = g.Note is not null,
                ["reference"] = g.Reference,
            }).ToList(),
            ["totals"] = statement.Totals.Select(t => Money.Format(t.Amount, t.Currency, words)).ToList(),
            ["pdf_url"] = donorLinks.Statement(access, year),
        };
        wording.AddTo(model);
        var (html, plain) = await renderer.RenderAsync("statement", model);
        var message = messages.Create(recipient.Address, statement.DonorName, words["Statement.Subject", year, site.Value.Name], html, plain);
        var attachment = new MimePart("application", "pdf")
        {
            Content = new MimeContent(new MemoryStream(statements.Pdf(statement))),
            ContentDisposition = new ContentDisposition(ContentDisposition.Attachment),
            ContentTransferEncoding = ContentEncoding.Base64,
            FileName = $"donations-{year}.pdf",
        };
        message.Body = new Multipart("mixed") { message.Body!, attachment };
        return message;
    }
}
