using Microsoft.Extensions.Options;
using MimeKit;
using MimeKit.Cryptography;

namespace Newsletter.Email;

/// <summary>
/// Signs every outgoing message (digests and transactional mail alike) with MimeKit's <see cref="DkimSigner"/>
/// (relaxed/relaxed, rsa-sha256) over From, Subject, Date, To, Message-ID, List-Unsubscribe and List-Unsubscribe-Post,
/// when <c>Email:Dkim</c> is set. The message is prepared for 7bit first, so no server or relay re-encodes the body
/// after signing; that costs a transfer encoding per copy, which is why it is optional.
/// </summary>
public sealed class MessageSigner
{
    private static readonly string[] SignedHeaders = ["From", "Subject", "Date", "To", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post"];
    private readonly DkimSigner? _signer;

    public MessageSigner(IOptions<DkimOptions> options)
    {
        var dkim = options.Value;
        if (string.IsNullOrWhiteSpace(dkim.KeyPath)) return;
        _signer = new DkimSigner(dkim.KeyPath, dkim.Domain!, dkim.Selector!, DkimSignatureAlgorithm.RsaSha256)
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            AgentOrUserIdentifier = "@" + dkim.Domain,
        };
    }

    public bool Enabled => _signer is not null;

    /// <summary>Adds a DKIM-Signature header when signing is configured (once); does nothing otherwise.</summary>
    public void Sign(MimeMessage message)
    {
        if (_signer is null || message.Headers.Contains(HeaderId.DkimSignature)) return;
        message.Prepare(EncodingConstraint.SevenBit);
        _signer.Sign(message, SignedHeaders);
    }
}
