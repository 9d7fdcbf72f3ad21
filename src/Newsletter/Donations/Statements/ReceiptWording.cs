using Microsoft.Extensions.Options;
using Newsletter.Links;

namespace Newsletter.Donations;

/// <summary>Who receipts and statements come from and what they declare (Donations:Receipts), for emails and PDFs alike.</summary>
public sealed class ReceiptWording(IOptions<DonationOptions> options, IOptions<SiteOptions> site)
{
    public string Organisation => string.IsNullOrWhiteSpace(options.Value.Receipts.OrganisationName) ? site.Value.Name : options.Value.Receipts.OrganisationName.Trim();
    public string? TaxId => string.IsNullOrWhiteSpace(options.Value.Receipts.TaxId) ? null : options.Value.Receipts.TaxId.Trim();
    public string? TaxStatement => string.IsNullOrWhiteSpace(options.Value.Receipts.TaxStatement) ? null : options.Value.Receipts.TaxStatement.Trim();
    public string? PostalAddress => site.Value.PostalAddress;

    /// <summary>The template variables: organisation, tax_id, tax_statement.</summary>
    public void AddTo(Dictionary<string, object?> model)
    {
        model["organisation"] = Organisation;
        model["tax_id"] = TaxId;
        model["tax_statement"] = TaxStatement;
    }
}
