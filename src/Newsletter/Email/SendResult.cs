namespace Newsletter.Email;

/// <summary>
/// What became of one message handed to a session. Each value says who is answerable and whether the server may
/// have the message; <see cref="SendPolicy"/> says what each means for the row that tracks the message.
/// </summary>
public enum SendOutcome
{
    /// <summary>The server answered 250 to the end of the data: it has the message.</summary>
    Accepted,

    /// <summary>The recipient's address is refused for good (5.1.x, 5.2.1, or a bare 550/551/553 to RCPT): a hard bounce.</summary>
    RecipientRefused,

    /// <summary>Refused for good for this reader, but not proof the address is dead (mailbox full, a 5.3/5.4/5.5 reply).</summary>
    RecipientFailed,

    /// <summary>A temporary refusal (4xx) of this recipient or this message: try again later; counts as an attempt.</summary>
    Deferred,

    /// <summary>
    /// The server refuses us, not the reader: the sender (MAIL FROM), the content (5xx to the data), or a policy (5.7.x).
    /// Nobody is blamed or suppressed; sending stops until a person looks.
    /// </summary>
    SenderRefused,

    /// <summary>
    /// The server never had the message: the connection failed or closed before the final "." of the data was written,
    /// the server said 421 (closing), or refused the sender for now. Send it again, on a fresh connection; no attempt
    /// is counted.
    /// </summary>
    NotHandedOver,

    /// <summary>The final "." was written and then the connection failed before the reply: the server may have it.</summary>
    Unknown,

    /// <summary>The message could not be put on the wire (an address MailKit refuses to format); a person must look.</summary>
    Invalid,
}

/// <summary>
/// One message's result: the outcome, the server's reply (status, RFC 3463 enhanced code, text) and whether the
/// session may carry another message. A session that is not <see cref="SessionUsable"/> is closed, never reused.
/// </summary>
public sealed record SendResult(SendOutcome Outcome, int? SmtpStatus, string? EnhancedStatus, string Detail, bool SessionUsable)
{
    public static readonly SendResult Accepted = new(SendOutcome.Accepted, 250, null, "", true);

    public bool IsAccepted => Outcome == SendOutcome.Accepted;

    /// <summary>The reply as staff read it: "550 5.1.1 No such user" or the connection failure.</summary>
    public override string ToString() => Detail;
}
