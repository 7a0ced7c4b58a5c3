using PgSecureConnect.Parsing;

namespace PgSecureConnect.Tests.Parsing;

public class LibpqSyntaxTests
{
    private const string InvalidHost = "is not a valid host name, IP address or absolute socket directory";

    // Lone surrogates do not survive xUnit's serialisation of theory data, so the strings are built here from code units.
    [Theory]
    [InlineData("61 62 63", true)]
    [InlineData("", true)]
    [InlineData("D83D DE00", true)]
    [InlineData("61 D83D DE00 62", true)]
    [InlineData("61 0 62", false)]
    [InlineData("0", false)]
    [InlineData("D800", false)]
    [InlineData("DC00", false)]
    [InlineData("61 D800 62", false)]
    [InlineData("D800 D800", false)]
    [InlineData("78 D83D", false)]
    [InlineData("DE00 D83D", false)]
    public void Well_formed_text_has_no_NUL_and_no_unpaired_surrogate(string codeUnits, bool expected)
    {
        var value = new string(codeUnits.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(u => (char)Convert.ToUInt16(u, 16)).ToArray());

        LibpqSyntax.IsWellFormedText(value).Should().Be(expected);
    }

    [Theory]
    [InlineData("5", 5)]
    [InlineData(" 5 ", 5)]
    [InlineData("\t5\n", 5)]
    [InlineData("\v5\f\r", 5)]
    [InlineData("+5", 5)]
    [InlineData("-3", -3)]
    [InlineData("0005", 5)]
    public void Parses_integers_as_libpq_does(string text, int expected)
    {
        LibpqSyntax.TryParseLibpqInt(text, out var value).Should().BeTrue();
        value.Should().Be(expected);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5x")]
    [InlineData("5 5")]
    [InlineData("0x10")]
    [InlineData("1.5")]
    [InlineData("99999999999")]
    [InlineData("\u00A05")]
    [InlineData("5\u2003")]
    public void Rejects_what_libpq_rejects_as_an_integer(string text)
        => LibpqSyntax.TryParseLibpqInt(text, out _).Should().BeFalse();

    [Theory]
    [InlineData("0", true)]
    [InlineData(" 0 ", true)]
    [InlineData("1", false)]
    [InlineData("no", false)]
    public void False_is_the_integer_zero(string text, bool expected)
        => LibpqSyntax.IsLibpqFalse(text).Should().Be(expected);

    [Theory]
    [InlineData("db.example.com")]
    [InlineData("localhost")]
    [InlineData("10.0.0.1")]
    [InlineData("/var/run/postgresql")]
    [InlineData("/tmp/a b")]
    public void Accepts_valid_hosts_with_an_empty_error(string host)
    {
        LibpqSyntax.IsValidHost(host, out var error).Should().BeTrue();
        error.Should().BeEmpty();
    }

    [Theory]
    [InlineData("::1")]
    [InlineData("fe80::1")]
    [InlineData("2001:db8::5")]
    public void Accepts_IPv6_addresses(string host)
        => LibpqSyntax.IsValidHost(host, out _).Should().BeTrue();

    [Theory]
    [InlineData("/tmp\nx", "is not a valid socket directory")]
    [InlineData("/tmp\r", "is not a valid socket directory")]
    [InlineData("/tmp\0", "is not a valid socket directory")]
    [InlineData("@abstract", "is an abstract Unix socket, which Npgsql does not support; use a socket directory such as /var/run/postgresql")]
    [InlineData("1:2:3:zz", "is not a valid IPv6 address (in a URL, write IPv6 addresses in brackets: postgresql://[::1]:5432/db)")]
    [InlineData("a:b", "is not a valid IPv6 address (in a URL, write IPv6 addresses in brackets: postgresql://[::1]:5432/db)")]
    [InlineData("a@b", "is not a valid host name; if the password or user name contains '@', percent-encode it as %40")]
    [InlineData("a/b", InvalidHost)]
    [InlineData("a?b", InvalidHost)]
    [InlineData("a#b", InvalidHost)]
    [InlineData("a[b", InvalidHost)]
    [InlineData("a]b", InvalidHost)]
    [InlineData("a%b", InvalidHost)]
    [InlineData("a\\b", InvalidHost)]
    [InlineData("a'b", InvalidHost)]
    [InlineData("a\"b", InvalidHost)]
    [InlineData("a;b", InvalidHost)]
    [InlineData("a=b", InvalidHost)]
    [InlineData("a&b", InvalidHost)]
    [InlineData("a b", InvalidHost)]
    [InlineData("a\tb", InvalidHost)]
    [InlineData("a\u0001b", InvalidHost)]
    public void Rejects_invalid_hosts_with_the_reason(string host, string expected)
    {
        LibpqSyntax.IsValidHost(host, out var error).Should().BeFalse();
        error.Should().Be(expected);
    }

    [Theory]
    [InlineData("password=x", true)]
    [InlineData("dbname= password=x", true)]
    [InlineData("sslpassword=x", true)]
    [InlineData("PWD = x", true)]
    [InlineData("psw=x", true)]
    [InlineData("a;Password=x", true)]
    [InlineData("mypassword=x", false)]
    [InlineData("x_password=x", false)]
    [InlineData("1password=x", false)]
    [InlineData("password", false)]
    [InlineData("pass=x", false)]
    [InlineData("passfile=x", false)]
    public void Recognises_a_password_assignment_at_a_word_boundary(string value, bool expected)
        => LibpqSyntax.HoldsPasswordAssignment(value).Should().Be(expected);
}
