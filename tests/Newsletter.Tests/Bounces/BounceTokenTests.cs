using MimeKit;
using Newsletter.Bounces;

namespace Newsletter.Tests.Bounces;

/// <summary>The signed token in VERP addresses and Message-IDs: round trip, case, forgery, other domains, VERP off.</summary>
public sealed class BounceTokenTests
{
    [Fact]
    public void A_delivery_and_an_outbox_row_come_back_from_their_address_and_message_id_in_any_case()
    {
        var addresses = BounceFixtures.Addresses();
        var delivery = SentMessage.Delivery(12, 3456789);
        var sender = addresses.EnvelopeSender(delivery)!.Address;
        Assert.Matches(@"^bounces\+d12-3456789-[a-z2-7]{16}@test-review\.example$", sender);
        Assert.True(sender.Length <= 64 + 1 + "test-review.example".Length);
        Assert.Equal(TokenCheck.ValidFor(delivery), addresses.ReadAddress(sender));
        // Some servers change the case of the local part: the token is lower case by design, so it still reads.
        Assert.Equal(TokenCheck.ValidFor(delivery), addresses.ReadAddress(sender.ToUpperInvariant()));
        Assert.Equal(TokenCheck.ValidFor(delivery), addresses.ReadMessageId("<" + addresses.MessageId(delivery) + ">"));

        var outbox = SentMessage.Outbox(77);
        Assert.Equal(TokenCheck.ValidFor(outbox), addresses.ReadAddress(addresses.EnvelopeSender(outbox)!.Address));
    }

    [Fact]
    public void A_changed_id_a_changed_mac_or_another_key_is_forged_and_other_addresses_are_not_ours()
    {
        var addresses = BounceFixtures.Addresses();
        var token = addresses.Token(SentMessage.Delivery(12, 34));
        Assert.Equal(TokenStatus.Forged, addresses.Read(token.Replace("d12-34-", "d12-35-")).Status);
        Assert.Equal(TokenStatus.Forged, addresses.Read(token[..^1] + (token[^1] == 'a' ? 'b' : 'a')).Status);
        var otherKey = BounceFixtures.Addresses(key: Convert.ToBase64String(new byte[32]));
        Assert.Equal(TokenStatus.Forged, otherKey.Read(token).Status);

        Assert.Equal(TokenStatus.NotOurs, addresses.ReadAddress($"bounces+{token}@elsewhere.example").Status);
        Assert.Equal(TokenStatus.NotOurs, addresses.ReadAddress("news@test-review.example").Status);
        Assert.Equal(TokenStatus.NotOurs, addresses.ReadMessageId("<20261202004030.BE914B1E3A7@mta.test-review.example>").Status);
        Assert.Equal(TokenStatus.NotOurs, addresses.Read("d1-2-" + new string('a', 15)).Status);
    }

    [Fact]
    public void Without_Bounces_Address_there_is_no_envelope_sender_but_the_message_id_is_still_signed()
    {
        var addresses = BounceFixtures.Addresses(bounceAddress: null);
        var sent = SentMessage.Delivery(1, 2);
        Assert.Null(addresses.EnvelopeSender(sent));
        var message = new MimeMessage();
        Assert.Null(addresses.Stamp(message, sent));
        Assert.Equal(TokenCheck.ValidFor(sent), addresses.ReadMessageId(message.MessageId));

        var verp = BounceFixtures.Addresses();
        var stamped = new MimeMessage();
        Assert.Equal(verp.EnvelopeSender(sent)!.Address, verp.Stamp(stamped, sent)!.Address);
        Assert.Equal(TokenCheck.ValidFor(sent), verp.ReadMessageId(stamped.MessageId));
    }
}
