namespace Newsletter.Donations;

/// <summary>
/// The public id a donor's signed links name (<see cref="Links.LinkPurpose.DonorManage"/>), one per address: links
/// carry no address, and erasing the donor deletes this row, so old links open nothing.
/// </summary>
public sealed class DonorAccess
{
    public long Id { get; set; }
    public Guid PublicId { get; set; } = Guid.NewGuid();

    /// <summary>The donor's address key (<see cref="Email.EmailAddress.Key"/>).</summary>
    public required string EmailKey { get; set; }

    public DateTime CreatedAt { get; set; }
}
