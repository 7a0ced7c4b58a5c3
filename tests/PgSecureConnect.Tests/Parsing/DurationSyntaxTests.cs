using PgSecureConnect.Parsing;

namespace PgSecureConnect.Tests.Parsing;

public class DurationSyntaxTests
{
    [Theory]
    [InlineData("30", 30_000)]
    [InlineData(" 30 ", 30_000)]
    [InlineData("0", 0)]
    [InlineData("500ms", 500)]
    [InlineData("90s", 90_000)]
    [InlineData("5m", 300_000)]
    [InlineData("2h", 7_200_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("1m30s500ms", 90_500)]
    [InlineData("2147483647", 2_147_483_647_000)]
    [InlineData("2147483647s", 2_147_483_647_000)]
    public void Parses_seconds_and_go_durations(string text, long expectedMilliseconds)
    {
        DurationSyntax.TryParse(text, out var value).Should().BeTrue();
        value.Should().Be(TimeSpan.FromMilliseconds(expectedMilliseconds));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("2147483648")]
    [InlineData("2147483648s")]
    [InlineData("35791395m")]
    [InlineData("1.5")]
    [InlineData("5x")]
    [InlineData("5d")]
    [InlineData("s")]
    [InlineData("-5s")]
    [InlineData("1..5s")]
    [InlineData("5s 3m")]
    public void Rejects_anything_else(string text)
    {
        DurationSyntax.TryParse(text, out var value).Should().BeFalse();
        value.Should().Be(TimeSpan.Zero);
    }

    [Theory]
    [InlineData(90_000, "90")]
    [InlineData(0, "0")]
    [InlineData(1_500, "1500ms")]
    [InlineData(250, "250ms")]
    [InlineData(3_600_000, "3600")]
    public void Formats_whole_seconds_without_a_unit_and_the_rest_in_milliseconds(long milliseconds, string expected)
        => DurationSyntax.Format(TimeSpan.FromMilliseconds(milliseconds)).Should().Be(expected);
}
