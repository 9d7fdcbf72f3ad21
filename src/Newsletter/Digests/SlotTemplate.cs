using System.Security.Cryptography;
using System.Text;

namespace Newsletter.Digests;

/// <summary>The per-reader fields of a digest: the only parts filled in per recipient.</summary>
public enum Slot
{
    Greeting,
    Name,
    Email,
    PreferencesUrl,
    UnsubscribeUrl,
}

/// <summary>
/// A rendered body cut at its per-reader fields: literal parts with slots between them. The heavy work (Liquid, CSS
/// inlining) happens once; <see cref="Fill"/> is a concatenation. Markers are letters and digits only, so HTML
/// encoding and CSS inlining pass them through untouched, and carry a per-process random nonce, so article text
/// cannot fake one.
/// </summary>
public sealed class SlotTemplate
{
    private static readonly string Nonce = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
    private readonly string[] _literals;
    private readonly byte[][] _literalBytes;
    /// <summary>Indexes into the values given to Fill: a <see cref="Slot"/>, plus an offset in a <see cref="Concat"/>enated template.</summary>
    private readonly int[] _slots;
    private readonly int _literalLength;
    private readonly int _literalByteLength;

    private SlotTemplate(string[] literals, int[] slots)
    {
        _literals = literals;
        _slots = slots;
        _literalLength = literals.Sum(l => l.Length);
        _literalBytes = literals.Select(Encoding.UTF8.GetBytes).ToArray();
        _literalByteLength = _literalBytes.Sum(b => b.Length);
    }

    /// <summary>The body's size in UTF-8 bytes without the per-reader values.</summary>
    public int LiteralByteLength => _literalByteLength;

    /// <summary>The marker to put into the template model in place of <paramref name="slot"/>.</summary>
    public static string Marker(Slot slot) => $"zzslot{Nonce}{(int)slot}zz";

    /// <summary>Cuts <paramref name="rendered"/> at every marker.</summary>
    public static SlotTemplate Parse(string rendered)
    {
        var prefix = $"zzslot{Nonce}";
        var literals = new List<string>();
        var slots = new List<int>();
        var position = 0;
        while (true)
        {
            var at = rendered.IndexOf(prefix, position, StringComparison.Ordinal);
            var end = at < 0 ? -1 : rendered.IndexOf("zz", at + prefix.Length, StringComparison.Ordinal);
            if (at < 0 || end < 0 || !int.TryParse(rendered.AsSpan(at + prefix.Length, end - at - prefix.Length), out var number) || !Enum.IsDefined((Slot)number))
            {
                literals.Add(rendered[position..]);
                return new SlotTemplate([.. literals], [.. slots]);
            }
            literals.Add(rendered[position..at]);
            slots.Add(number);
            position = end + 2;
        }
    }

    /// <summary>Literal text with no slots.</summary>
    public static SlotTemplate Literal(string text) => new([text], []);

    /// <summary>
    /// The pieces one after another, as one template. The slots of each piece move up by its offset, so two pieces
    /// can take different values for the same <see cref="Slot"/> (the text part's plain name, the HTML part's encoded one):
    /// <c>values[offset + (int)slot]</c>.
    /// </summary>
    public static SlotTemplate Concat(params IEnumerable<(SlotTemplate Template, int SlotOffset)> pieces)
    {
        var literals = new List<string> { "" };
        var slots = new List<int>();
        foreach (var (template, offset) in pieces)
        {
            literals[^1] += template._literals[0];
            for (var i = 0; i < template._slots.Length; i++)
            {
                slots.Add(template._slots[i] + offset);
                literals.Add(template._literals[i + 1]);
            }
        }
        return new SlotTemplate([.. literals], [.. slots]);
    }

    /// <summary>
    /// The body for one reader as UTF-8 bytes: the literal parts were encoded once, only the values are encoded here.
    /// This is the sending path: one allocation of the final size and block copies.
    /// </summary>
    public byte[] FillUtf8(string[] values)
    {
        var length = _literalByteLength;
        foreach (var slot in _slots) length += Encoding.UTF8.GetByteCount(values[slot]);
        var bytes = new byte[length];
        var span = bytes.AsSpan();
        for (var i = 0; i < _slots.Length; i++)
        {
            _literalBytes[i].CopyTo(span);
            span = span[_literalBytes[i].Length..];
            span = span[Encoding.UTF8.GetBytes(values[_slots[i]], span)..];
        }
        _literalBytes[^1].CopyTo(span);
        return bytes;
    }

    /// <summary>How many UTF-8 bytes <see cref="FillUtf8"/> makes of this template with <paramref name="values"/> from <paramref name="offset"/>.</summary>
    public int FilledByteCount(string[] values, int offset)
    {
        var length = _literalByteLength;
        foreach (var slot in _slots) length += Encoding.UTF8.GetByteCount(values[offset + slot]);
        return length;
    }

    /// <summary>The body for one reader: <paramref name="values"/> indexed by <see cref="Slot"/>, already encoded for the part.</summary>
    public string Fill(string[] values)
    {
        var builder = new StringBuilder(_literalLength + _slots.Length * 96);
        for (var i = 0; i < _slots.Length; i++)
        {
            builder.Append(_literals[i]);
            builder.Append(values[_slots[i]]);
        }
        builder.Append(_literals[^1]);
        return builder.ToString();
    }
}

/// <summary>
/// A digest rendered once for an issue and a topic set; <see cref="IsEmpty"/> when no article matches the topics.
/// <see cref="Shown"/> of <see cref="Total"/> articles are in it; the rest are behind its "more on the web" link.
/// </summary>
public sealed record RenderedDigest(long IssueId, string Subject, SlotTemplate? Html, SlotTemplate? Text, int Shown, int Total)
{
    public bool IsEmpty => Html is null;

    /// <summary>The greeting without a name, in the digest's language.</summary>
    public string Hello { get; init; } = "Hello,";

    /// <summary>The greeting with the reader's name as {0}, in the digest's language.</summary>
    public string HelloName { get; init; } = "Hello {0},";

    /// <summary>What the web version says where a copy names the reader's address, in the digest's language.</summary>
    public string YourAddress { get; init; } = "your address";

    /// <summary>
    /// The multipart/alternative body (text, then HTML) exactly as it goes on the wire after the message's headers,
    /// cut at the per-reader fields: text slots at offset 0, HTML slots at <see cref="ReadyMadeAlternative.HtmlSlots"/>.
    /// Built once per issue and topic set, with one boundary for every copy.
    /// </summary>
    internal ReadyMadeAlternative.Wire? Wire { get; } = Html is null ? null : ReadyMadeAlternative.Wire.Of(Text!, Html);
}
