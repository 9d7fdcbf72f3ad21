using Newsletter.Email;

namespace Newsletter.Tests.Email;

public sealed class EmailAddressTests
{
    [Theory]
    [InlineData("Reader@Example.COM", "Reader@example.com")]
    [InlineData("  ann@example.org ", "ann@example.org")]
    [InlineData("jörg@bücher.example", "jörg@xn--bcher-kva.example")]
    [InlineData("a.b+tag@sub.example.co.uk", "a.b+tag@sub.example.co.uk")]
    public void Valid_addresses_keep_their_local_part_and_get_an_ascii_lower_case_domain(string input, string expected)
    {
        Assert.True(EmailAddress.TryParse(input, out var address, out var error), error);
        Assert.Equal(expected, address.Address);
        Assert.Equal(expected, address.Key);
    }

    [Theory]
    [InlineData(null, "required")]
    [InlineData("", "required")]
    [InlineData("no-at-sign", "@")]
    [InlineData("a@b", "domain")]
    [InlineData("evil@example.org\r\nBcc: victim@example.org", "control")]
    [InlineData("evil@example.org\nX-Injected: 1", "control")]
    [InlineData("nul\0@example.org", "control")]
    [InlineData("Ann <ann@example.org>", "not valid")]
    [InlineData("ann@exa mple.org", "not valid")]
    [InlineData("bad\uFFFDbyte@example.org", "valid text")]
    public void Invalid_addresses_are_refused_with_a_reason(string? input, string reasonContains)
    {
        Assert.False(EmailAddress.TryParse(input, out _, out var error));
        Assert.Contains(reasonContains, error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void An_address_of_254_characters_is_taken_and_one_of_255_is_refused()
    {
        var longest = OfLength(254, "edge");
        Assert.True(EmailAddress.TryParse(longest, out var taken, out var error), error);
        Assert.Equal(longest, taken.Address);
        Assert.False(EmailAddress.TryParse(OfLength(255, "edge"), out _, out error));
        Assert.Equal("The email address is longer than 254 characters.", error);
        // The local part has its own limit (RFC 5321: 64 octets), at its edge too.
        var domain = "@example.org";
        Assert.True(EmailAddress.TryParse(new string('l', 64) + domain, out _, out error), error);
        Assert.False(EmailAddress.TryParse(new string('l', 65) + domain, out _, out error));
        Assert.Equal("The part before the @ is longer than 64 characters.", error);
    }

    /// <summary>A syntactically valid address of exactly <paramref name="length"/> characters (at least 70): a 64-character local part starting with <paramref name="prefix"/>, domain labels of at most 63.</summary>
    public static string OfLength(int length, string prefix)
    {
        var local = prefix.PadRight(64, 'a');
        var remaining = length - local.Length - 1;
        var labels = new List<string>();
        while (remaining > 63) { labels.Add(new string('d', 62)); remaining -= 63; }
        labels.Add(new string('e', remaining));
        var address = local + "@" + string.Join('.', labels);
        Assert.Equal(length, address.Length);
        return address;
    }

    [Fact]
    public void Addresses_differing_only_in_domain_case_are_the_same_reader_but_local_part_case_is_kept()
    {
        EmailAddress.TryParse("Ann@EXAMPLE.org", out var a, out _);
        EmailAddress.TryParse("Ann@example.ORG", out var b, out _);
        EmailAddress.TryParse("ann@example.org", out var c, out _);
        Assert.Equal(a!.Key, b!.Key);
        Assert.NotEqual(a.Key, c!.Key);
        // The suppression list errs on the side of not mailing.
        var key = new byte[32];
        Assert.Equal(Newsletter.Email.SuppressionList.Hash(key, a.Key), Newsletter.Email.SuppressionList.Hash(key, c.Key));
    }
}
