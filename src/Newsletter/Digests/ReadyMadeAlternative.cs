using System.Text;
using MimeKit;

namespace Newsletter.Digests;

/// <summary>
/// A digest copy's body: multipart/alternative with the text part, then the HTML part, both UTF-8 sent as 8bit. Its
/// bytes on the wire are made in one piece per reader from <see cref="Wire"/> (literal parts joined once per issue,
/// lines already CRLF and at most 998 octets), and written as they are: MimeKit's per-copy passes (choosing a transfer
/// encoding by scanning the content, converting line endings, copying through filter streams) were about a sixth
/// of a send's CPU in a profile and change nothing in such a body. The two parts are real <see cref="TextPart"/>s over the same
/// bytes, so the SMTP client still sees 8bit content (BODY=8BITMIME) and anything that reads the message finds them.
/// Only a 7bit path (a server without 8BITMIME, or DKIM signing) hands the parts back to MimeKit to re-encode.
/// </summary>
internal sealed class ReadyMadeAlternative : MultipartAlternative
{
    /// <summary>Where the HTML part's values start in the values given to <see cref="Wire.Fill"/>: the text part's come first.</summary>
    public const int HtmlSlots = 5;

    private readonly byte[] _bytes;
    private bool _reEncoded;

    private ReadyMadeAlternative(Wire wire, byte[] bytes, int textLength, int htmlLength)
    {
        Boundary = wire.Boundary;
        _bytes = bytes;
        var htmlStart = wire.TextStart + textLength + wire.BetweenLength;
        Add(Part("plain", new MemoryStream(bytes, wire.TextStart, textLength, writable: false)));
        Add(Part("html", new MemoryStream(bytes, htmlStart, htmlLength, writable: false)));
    }

    private static TextPart Part(string subtype, Stream content)
    {
        var part = new TextPart(subtype)
        {
            Content = new MimeContent(content, ContentEncoding.EightBit),
            ContentTransferEncoding = ContentEncoding.EightBit,
        };
        part.ContentType.Charset = "utf-8";
        return part;
    }

    /// <summary>The bytes are 8bit with short lines already: only a 7bit constraint needs MimeKit to re-encode the parts.</summary>
    public override void Prepare(EncodingConstraint constraint, int maxLineLength = 78)
    {
        if (constraint != EncodingConstraint.SevenBit) return;
        _reEncoded = true;
        base.Prepare(constraint, maxLineLength);
    }

    public override void WriteTo(FormatOptions options, Stream stream, bool contentOnly, CancellationToken cancellationToken = default)
    {
        if (!AsIs(options, contentOnly))
        {
            base.WriteTo(options, stream, contentOnly, cancellationToken);
            return;
        }
        cancellationToken.ThrowIfCancellationRequested();
        stream.Write(_bytes, 0, _bytes.Length);
    }

    public override Task WriteToAsync(FormatOptions options, Stream stream, bool contentOnly, CancellationToken cancellationToken = default) =>
        AsIs(options, contentOnly) ? stream.WriteAsync(_bytes, 0, _bytes.Length, cancellationToken) : base.WriteToAsync(options, stream, contentOnly, cancellationToken);

    /// <summary>The ready-made bytes are right for a message's body on the wire (CRLF), as long as nothing re-encoded the parts.</summary>
    private bool AsIs(FormatOptions options, bool contentOnly) => contentOnly && !_reEncoded && options.NewLineFormat == NewLineFormat.Dos;

    /// <summary>The body's wire form for an issue, topic set and language, cut at the per-reader values.</summary>
    internal sealed class Wire
    {
        private readonly SlotTemplate _template;
        private readonly SlotTemplate _text;
        private readonly SlotTemplate _html;

        private Wire(SlotTemplate text, SlotTemplate html)
        {
            _text = text;
            _html = html;
            Boundary = "=-" + Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
            var start = $"--{Boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
            var between = $"\r\n--{Boundary}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
            TextStart = Encoding.ASCII.GetByteCount(start);
            BetweenLength = Encoding.ASCII.GetByteCount(between);
            _template = SlotTemplate.Concat((SlotTemplate.Literal(start), 0), (text, 0), (SlotTemplate.Literal(between), 0), (html, HtmlSlots),
                (SlotTemplate.Literal($"\r\n--{Boundary}--\r\n"), 0));
        }

        /// <summary>Random per issue: a boundary must never occur in the content, and nobody can guess this one.</summary>
        public string Boundary { get; }

        public int TextStart { get; }

        public int BetweenLength { get; }

        public static Wire Of(SlotTemplate text, SlotTemplate html) => new(text, html);

        /// <summary>
        /// One reader's body. <paramref name="values"/>: the text part's values by <see cref="Slot"/>, then the HTML
        /// part's (already HTML-encoded) from <see cref="HtmlSlots"/>.
        /// </summary>
        public ReadyMadeAlternative Fill(string[] values) =>
            new(this, _template.FillUtf8(values), _text.FilledByteCount(values, 0), _html.FilledByteCount(values, HtmlSlots));
    }
}
