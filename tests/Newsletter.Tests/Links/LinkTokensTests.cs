using Microsoft.Extensions.Options;
using Newsletter.Data;
using Newsletter.Links;
using Newsletter.Tests.Support;

namespace Newsletter.Tests.Links;

public sealed class LinkTokensTests
{
    private static readonly string Key = Convert.ToBase64String(Enumerable.Range(1, 32).Select(i => (byte)i).ToArray());

    private static LinkTokens Tokens(string key, TimeProvider? clock = null) => new(
        new SigningKey(Options.Create(new SigningKeyOptions { SigningKey = key }), Options.Create(new DatabaseOptions()), new DataDirectory(Path.GetTempPath())),
        clock ?? TimeProvider.System);

    [Fact]
    public void A_token_checks_out_for_its_purpose_and_subject_only()
    {
        var tokens = Tokens(Key);
        var subject = Guid.NewGuid();
        var token = tokens.Create(LinkPurpose.Manage, subject);
        Assert.Equal(LinkTokenCheck.Valid(subject), tokens.Check(token, LinkPurpose.Manage));
        Assert.Equal(LinkTokenStatus.Invalid, tokens.Check(token, LinkPurpose.Confirm).Status);
    }

    [Fact]
    public void Any_changed_character_or_another_key_invalidates_the_token()
    {
        var token = Tokens(Key).Create(LinkPurpose.Confirm, Guid.NewGuid(), DateTime.UtcNow.AddDays(1));
        for (var i = 0; i < token.Length; i++)
        {
            if (token[i] == '.') continue;
            // Flip the highest of the character's six bits: always a data bit, even in the last character.
            const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            var changed = token[..i] + alphabet[alphabet.IndexOf(token[i]) ^ 32] + token[(i + 1)..];
            Assert.False(Tokens(Key).Check(changed, LinkPurpose.Confirm).IsValid, $"changed at {i}");
        }
        var otherKey = Convert.ToBase64String(Enumerable.Range(2, 32).Select(i => (byte)i).ToArray());
        Assert.False(Tokens(otherKey).Check(token, LinkPurpose.Confirm).IsValid);
        Assert.False(Tokens(Key).Check("", LinkPurpose.Confirm).IsValid);
        Assert.False(Tokens(Key).Check("no-dot", LinkPurpose.Confirm).IsValid);
        Assert.False(Tokens(Key).Check(new string('a', 500), LinkPurpose.Confirm).IsValid);
    }

    [Fact]
    public void An_expired_token_is_reported_as_expired()
    {
        var clock = new FixedClock(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var tokens = Tokens(Key, clock);
        var token = tokens.Create(LinkPurpose.Confirm, Guid.NewGuid(), clock.GetUtcNow().UtcDateTime.AddDays(7));
        clock.Now = clock.Now.AddDays(6);
        Assert.True(tokens.Check(token, LinkPurpose.Confirm).IsValid);
        clock.Now = clock.Now.AddDays(2);
        Assert.Equal(LinkTokenStatus.Expired, tokens.Check(token, LinkPurpose.Confirm).Status);
    }

    [Fact]
    public void A_short_or_malformed_configured_key_is_refused_at_start_up()
    {
        Assert.Throws<OptionsValidationException>(() => Tokens(Convert.ToBase64String(new byte[16])));
        Assert.Throws<OptionsValidationException>(() => Tokens("not base64!"));
    }
}
