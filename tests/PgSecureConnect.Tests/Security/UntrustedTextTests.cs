using PgSecureConnect.Security;

namespace PgSecureConnect.Tests.Security;

/// <summary>Text a server chose (certificate names, issuer) cannot forge log lines, recolour a terminal or reorder what a reader sees.</summary>
public class UntrustedTextTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Nothing_becomes_an_empty_string(string? text)
        => UntrustedText.Escape(text).Should().BeEmpty();

    [Theory]
    [InlineData("a", "a")]
    [InlineData("CN=db.example.com, O=Example", "CN=db.example.com, O=Example")]
    [InlineData("Zürich 東京 ✓", "Zürich 東京 ✓")]
    [InlineData("emoji \U0001F512", "emoji \U0001F512")]
    public void Printable_text_is_kept_as_it_is(string text, string expected)
        => UntrustedText.Escape(text).Should().Be(expected);

    [Theory]
    [InlineData("a\nb", "a\\u000Ab")] // Control: a forged log line
    [InlineData("a\u001B[31mb", "a\\u001B[31mb")] // Control: a terminal colour
    [InlineData("a\u202Eb", "a\\u202Eb")] // Format: right-to-left override
    [InlineData("a\u200Bb", "a\\u200Bb")] // Format: zero-width space
    [InlineData("a\u2028b", "a\\u2028b")] // LineSeparator
    [InlineData("a\u2029b", "a\\u2029b")] // ParagraphSeparator
    [InlineData("a\uE000b", "a\\uE000b")] // PrivateUse, in the BMP
    [InlineData("a\U000F0000b", "a\\U000F0000b")] // PrivateUse, beyond the BMP: eight hex digits
    [InlineData("a\uFFFFb", "a\\uFFFFb")] // OtherNotAssigned (a noncharacter, never assigned)
    [InlineData("a\\u000Ab", "a\\u005Cu000Ab")] // a backslash is escaped too, so an escape in the original cannot pass for ours
    public void Unsafe_characters_are_written_as_escapes(string text, string expected)
        => UntrustedText.Escape(text).Should().Be(expected);

    [Fact]
    public void Lone_surrogate_becomes_the_replacement_character_not_half_a_character()
        => UntrustedText.Escape("a\uD800b").Should().Be("a\uFFFDb");

    [Fact]
    public void Text_of_exactly_the_maximum_length_is_not_cut()
        => UntrustedText.Escape(new string('x', 200)).Should().Be(new string('x', 200));

    [Theory]
    [InlineData(201)]
    [InlineData(250)]
    [InlineData(10_000)]
    public void Longer_text_is_cut_at_the_maximum_with_one_ellipsis(int length)
        => UntrustedText.Escape(new string('x', length)).Should().Be(new string('x', 200) + "…");

    [Fact]
    public void Escapes_count_towards_the_maximum()
        => UntrustedText.Escape(new string('\n', 40) + "tail").Should().Be(string.Concat(Enumerable.Repeat("\\u000A", 34)) + "…");
}
