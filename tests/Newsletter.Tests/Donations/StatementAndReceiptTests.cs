using System.Net;
using System.Net.Http.Json;
using MimeKit;
using Newsletter.Tests.Support;
using UglyToad.PdfPig;

namespace Newsletter.Tests.Donations;

/// <summary>Receipts people can file: the configured wording, offline receipts when staff tick the box, and the annual statement as a PDF (attached and by signed link), read back as text.</summary>
[Collection(HostCollection.Name)]
public sealed class StatementAndReceiptTests(SupportersApp app) : IClassFixture<SupportersApp>
{
    [Fact]
    public async Task The_annual_statement_is_a_pdf_attached_to_the_email_and_downloadable_by_signed_link_with_the_gifts_totals_and_tax_wording()
    {
        var staff = app.CreateStaffClient();
        var email = "filer@example.org";
        foreach (var (date, amount, currency, reference) in new[] { ("2025-02-03", 5000L, "usd", "F-1"), ("2025-11-20", 2500L, "usd", "F-2"), ("2025-06-01", 25000L, "kwd", "F-3") })
            Assert.Equal(HttpStatusCode.Created, (await staff.PostAsJsonAsync("/api/admin/donations/offline", new { date, amount, currency, email, name = "Fil Er", source = "bank", reference })).StatusCode);
        // A gift of the year before is not on it.
        await staff.PostAsJsonAsync("/api/admin/donations/offline", new { date = "2024-12-31", amount = 999, currency = "usd", email, source = "bank", reference = "F-0" });
        await staff.PostAsJsonAsync("/api/admin/donations/statements", new { year = 2025 });

        var message = await app.Smtp.WaitForMessageToAsync(email, m => m.Subject == "Your 2025 donations to The Test Review");
        Assert.Contains(SupportersApp.TaxStatement, Mail.Text(message));
        var attachment = Assert.Single(message.Attachments.OfType<MimePart>());
        Assert.Equal(("application/pdf", "donations-2025.pdf"), (attachment.ContentType.MimeType, attachment.FileName));
        using var attached = new MemoryStream();
        await attachment.Content!.DecodeToAsync(attached);
        var text = PdfText(attached.ToArray());
        foreach (var expected in new[] { SupportersApp.Organisation, "Tax id: " + SupportersApp.TaxId, "Statement of gifts received in 2025", "Fil Er <filer@example.org>",
                     "2025-02-03", "2025-11-20", "50.00 USD", "25.000 KWD", "Total for 2025", "75.00 USD", SupportersApp.TaxStatement })
            Assert.Contains(expected, text);
        Assert.DoesNotContain("9.99 USD", text);

        var download = await app.CreateReaderClient().GetAsync(Mail.Link(message, "/donate/statements/"));
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("application/pdf", download.Content.Headers.ContentType?.MediaType);
        Assert.Contains("75.00 USD", PdfText(await download.Content.ReadAsByteArrayAsync()));
        var path = Mail.Link(message, "/donate/statements/");
        Assert.Equal(HttpStatusCode.NotFound, (await app.CreateReaderClient().GetAsync(path.Replace("/2025.pdf", "/2019.pdf"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.CreateReaderClient().GetAsync("/donate/statements/forged.token/2025.pdf")).StatusCode);
    }

    [Fact]
    public async Task A_receipt_carries_the_organisation_tax_id_and_tax_statement_and_offline_gifts_get_one_only_when_staff_tick_the_box()
    {
        var staff = app.CreateStaffClient();
        Assert.Equal(HttpStatusCode.Created, (await staff.PostAsJsonAsync("/api/admin/donations/offline",
            new { date = "2027-05-05", amount = 4000, currency = "usd", email = "cheque-thanks@example.org", name = "Che Que", source = "cheque", reference = "R-1", sendReceipt = true })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await staff.PostAsJsonAsync("/api/admin/donations/offline",
            new { date = "2027-05-05", amount = 4000, currency = "usd", email = "no-receipt@example.org", source = "cheque", reference = "R-2" })).StatusCode);
        var receipt = Mail.Text(await app.Smtp.WaitForMessageToAsync("cheque-thanks@example.org"));
        foreach (var expected in new[] { "40.00 USD to " + SupportersApp.Organisation, "received on 5 May 2027 by cheque", "tax id " + SupportersApp.TaxId, SupportersApp.TaxStatement })
            Assert.Contains(expected, receipt);
        Assert.DoesNotContain("/donate/manage/", receipt);
        // Recording the same cheque again sends nothing more.
        await staff.PostAsJsonAsync("/api/admin/donations/offline", new { date = "2027-05-05", amount = 4000, currency = "usd", email = "cheque-thanks@example.org", source = "cheque", reference = "R-1", sendReceipt = true });
        await Task.Delay(500);
        Assert.Single(app.Smtp.Messages, m => m.Recipients.Contains("cheque-thanks@example.org"));
        Assert.DoesNotContain(app.Smtp.Messages, m => m.Recipients.Contains("no-receipt@example.org"));
    }

    private static string PdfText(byte[] pdf)
    {
        using var document = PdfDocument.Open(pdf);
        return string.Join("\n", document.GetPages().Select(p => string.Join(" ", p.GetWords().Select(w => w.Text))));
    }
}
