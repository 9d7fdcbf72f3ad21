namespace Newsletter.Digests;

/// <summary>Who one copy of a digest goes to. <see cref="DeliveryId"/> is 0 for test copies and previews.</summary>
public sealed record DigestRecipient(long DeliveryId, string Email, string? Name, Guid PublicId, string Topics);
