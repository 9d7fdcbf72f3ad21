using PdfSharp.Drawing;
using PdfSharp.Drawing.Layout;
using PdfSharp.Fonts;
using PdfSharp.Pdf;

namespace Newsletter.Donations;

/// <summary>
/// Draws an annual statement as an A4 PDF with PDFsharp (MIT). The text is real text in an embedded DejaVu Sans
/// (shipped with the app, Bitstream Vera licence), so it prints, copies and reads the same on every machine.
/// </summary>
public static class StatementPdf
{
    private const double Margin = 50;
    private const double Line = 16;

    static StatementPdf()
    {
        // PDFsharp resolves fonts through one process-wide resolver; ours is immutable and serves only our two faces.
        if (GlobalFontSettings.FontResolver is null) GlobalFontSettings.FontResolver = new EmbeddedFonts();
    }

    /// <param name="words">The statement's language (<see cref="StatementDocument.Language"/>).</param>
    public static byte[] Render(StatementDocument statement, ReceiptWording wording, Localization.ReaderWords words)
    {
        using var document = new PdfDocument();
        document.Info.Title = words["Statement.Pdf.Title", wording.Organisation, statement.Year];
        document.Info.Author = wording.Organisation;
        var regular = new XFont(EmbeddedFonts.Family, 10.5);
        var bold = new XFont(EmbeddedFonts.Family, 10.5, XFontStyleEx.Bold);
        var title = new XFont(EmbeddedFonts.Family, 16, XFontStyleEx.Bold);
        var page = new Page(document);

        page.Text(wording.Organisation, title, 22);
        if (wording.PostalAddress is { } address) page.Text(address, regular);
        if (wording.TaxId is { } taxId) page.Text(words["Statement.Pdf.TaxId", taxId], regular);
        page.Gap(14);
        page.Text(words["Statement.Pdf.Heading", statement.Year], bold, 20);
        var donor = string.Join(" ", new[] { statement.DonorName, statement.DonorEmail is null ? null : $"<{statement.DonorEmail}>" }.Where(p => p is not null));
        if (donor.Length > 0) page.Text(words["Statement.Pdf.Donor", donor], regular);
        page.Text(words["Statement.Pdf.Issued", statement.IssuedOn], regular);
        page.Gap(10);

        page.Row(words["Statement.Date"], words["Statement.Gift"], words["Statement.Reference"], words["Donate.Amount"], bold);
        page.Rule();
        foreach (var gift in statement.Gifts)
            page.Row(gift.Date, gift.Note is null ? gift.Description : $"{gift.Description} ({gift.Note})", gift.Reference, Money.Format(gift.Amount, gift.Currency, words), regular);
        page.Rule();
        foreach (var total in statement.Totals)
            page.Row(string.Empty, words["Statement.Total", statement.Year], string.Empty, Money.Format(total.Amount, total.Currency, words), bold);
        page.Gap(18);
        if (wording.TaxStatement is { } declaration) page.Paragraph(declaration, regular);
        page.Paragraph(words["Statement.Pdf.Received", wording.Organisation], regular);
        page.Finish(words);

        using var output = new MemoryStream();
        document.Save(output, closeStream: false);
        return output.ToArray();
    }

    /// <summary>A cursor down the pages: starts a new page when the next line would not fit, and numbers the pages at the end.</summary>
    private sealed class Page(PdfDocument document)
    {
        private readonly List<PdfPage> _pages = [];
        private XGraphics? _graphics;
        private PdfPage? _page;
        private double _y;

        private XGraphics Graphics(double height)
        {
            if (_graphics is null || _y + height > _page!.Height.Point - Margin - Line)
            {
                _graphics?.Dispose();
                _page = document.AddPage();
                _page.Size = PdfSharp.PageSize.A4;
                _pages.Add(_page);
                _graphics = XGraphics.FromPdfPage(_page);
                _y = Margin;
            }
            return _graphics;
        }

        private double Width => _page!.Width.Point - 2 * Margin;

        public void Text(string text, XFont font, double height = Line)
        {
            var g = Graphics(height);
            g.DrawString(text, font, XBrushes.Black, new XRect(Margin, _y, Width, height), XStringFormats.TopLeft);
            _y += height;
        }

        public void Gap(double height) => _y += height;

        public void Rule()
        {
            var g = Graphics(6);
            g.DrawLine(XPens.Gray, Margin, _y + 2, Margin + Width, _y + 2);
            _y += 6;
        }

        public void Row(string date, string gift, string reference, string amount, XFont font)
        {
            var g = Graphics(Line);
            g.DrawString(date, font, XBrushes.Black, new XRect(Margin, _y, 80, Line), XStringFormats.TopLeft);
            g.DrawString(Fit(g, gift, font, Width - 80 - 70 - 110), font, XBrushes.Black, new XRect(Margin + 80, _y, Width - 260, Line), XStringFormats.TopLeft);
            g.DrawString(reference, font, XBrushes.Black, new XRect(Margin + Width - 180, _y, 70, Line), XStringFormats.TopLeft);
            g.DrawString(amount, font, XBrushes.Black, new XRect(Margin + Width - 110, _y, 110, Line), XStringFormats.TopRight);
            _y += Line;
        }

        public void Paragraph(string text, XFont font)
        {
            var g = Graphics(Line * 3);
            var lines = Math.Max(1, (int)Math.Ceiling(g.MeasureString(text, font).Width / Width) + 1);
            var height = lines * (font.Size * 1.3);
            g = Graphics(height);
            new XTextFormatter(g).DrawString(text, font, XBrushes.Black, new XRect(Margin, _y, Width, height), XStringFormats.TopLeft);
            _y += height + 4;
        }

        /// <summary>Numbers the pages ("page 1 of 2") once their count is known.</summary>
        public void Finish(Localization.ReaderWords words)
        {
            _graphics?.Dispose();
            var small = new XFont(EmbeddedFonts.Family, 8);
            for (var i = 0; i < _pages.Count; i++)
            {
                using var g = XGraphics.FromPdfPage(_pages[i], XGraphicsPdfPageOptions.Append);
                g.DrawString(words["Statement.Pdf.Page", i + 1, _pages.Count], small, XBrushes.Gray, new XRect(Margin, _pages[i].Height.Point - Margin + 10, Width, 12), XStringFormats.TopRight);
            }
        }

        private static string Fit(XGraphics g, string text, XFont font, double width)
        {
            if (g.MeasureString(text, font).Width <= width) return text;
            while (text.Length > 1 && g.MeasureString(text + "…", font).Width > width) text = text[..^1];
            return text + "…";
        }
    }

    /// <summary>DejaVu Sans, regular and bold, from the assembly: no dependency on the machine's fonts.</summary>
    private sealed class EmbeddedFonts : IFontResolver
    {
        public const string Family = "DejaVu Sans";

        public FontResolverInfo? ResolveTypeface(string familyName, bool bold, bool italic) =>
            new(bold ? "DejaVuSans-Bold" : "DejaVuSans");

        public byte[]? GetFont(string faceName)
        {
            using var stream = typeof(StatementPdf).Assembly.GetManifestResourceStream($"Newsletter.Donations.Statements.Fonts.{faceName}.ttf")
                ?? throw new InvalidOperationException($"The font {faceName} is missing from the assembly.");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }
    }
}
