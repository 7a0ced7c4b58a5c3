using PgSecureConnect.Parsing;

namespace PgSecureConnect.Tests.Parsing;

public class PercentDecodingTests
{
    [Theory]
    [InlineData("%zz", "contains a '%' that is not followed by two hex digits (write a literal '%' as %25)")]
    [InlineData("a%2", "contains a '%' that is not followed by two hex digits (write a literal '%' as %25)")]
    [InlineData("a%00b", "contains %00, which PostgreSQL forbids in connection parameters")]
    [InlineData("%C3", "decodes to bytes that are not valid UTF-8 (percent-encode the UTF-8 bytes of each character)")]
    [InlineData("%FF%FE", "decodes to bytes that are not valid UTF-8 (percent-encode the UTF-8 bytes of each character)")]
    public void Failures_give_an_empty_value_and_a_message_without_the_input(string raw, string expected)
    {
        PercentDecoding.TryDecode(raw, out var decoded, out var error).Should().BeFalse();
        decoded.Should().BeEmpty();
        error.Should().Be(expected);
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("a%20b", "a b")]
    [InlineData("a+b", "a+b")]
    [InlineData("%c3%a9", "é")]
    [InlineData("%2F%2f", "//")]
    [InlineData("%39%30", "90")]
    public void Decodes_like_libpq(string raw, string expected)
    {
        PercentDecoding.TryDecode(raw, out var decoded, out var error).Should().BeTrue();
        decoded.Should().Be(expected);
        error.Should().BeNull();
    }

    [Theory]
    [InlineData("azAZ09-._~", "azAZ09-._~")]
    [InlineData("`{@[/:", "%60%7B%40%5B%2F%3A")]
    [InlineData("a b+c%", "a%20b%2Bc%25")]
    [InlineData("é", "%C3%A9")]
    public void Encodes_all_but_unreserved_characters(string value, string expected)
        => PercentDecoding.Encode(value).Should().Be(expected);

    [Fact]
    public void Text_without_a_percent_sign_is_returned_as_it_is()
    {
        // Not round-tripped through UTF-8, which would turn a lone surrogate into U+FFFD and hide it from the mapper's check.
        const string raw = "d\uD800b";

        PercentDecoding.TryDecode(raw, out var decoded, out var error).Should().BeTrue();
        decoded.Should().Be(raw);
        error.Should().BeNull();
    }

    [Fact]
    public void A_lone_surrogate_next_to_a_percent_escape_is_refused_not_replaced()
    {
        // Round-tripping through UTF-8 would silently turn it into U+FFFD and send a different value.
        PercentDecoding.TryDecode("d%41\uD800", out var decoded, out var error).Should().BeFalse();
        decoded.Should().BeEmpty();
        error.Should().Be("contains an invalid (unpaired surrogate) character, which cannot be sent to PostgreSQL");
    }
}
