using PgSecureConnect.Parsing;
using PgSecureConnect.Internal;

namespace PgSecureConnect.Tests.Parsing;

public class KeywordValueParserTests
{
    [Theory]
    [InlineData("host=h port=5 dbname=x", "host=h|port=5|dbname=x")]
    [InlineData("host = a  port= 5", "host=a|port=5")]
    [InlineData("  host=a\tport=5\n", "host=a|port=5")]
    [InlineData("host=a host=b", "host=b")]
    [InlineData("host='a b' password='x\\'y'", "host=a b|password=x'y")]
    [InlineData("dbname = 'a\\'b' ", "dbname=a'b")]
    [InlineData("host=a\\ b", "host=a b")]
    [InlineData("host=", "host=")]
    [InlineData("host=''", "host=")]
    [InlineData("requiressl=1", "sslmode=require")]
    [InlineData("options='-c search_path=app'", "options=-c search_path=app")]
    [InlineData("host=a\\", "host=a")]
    public void Parses_like_libpq(string text, string expected)
    {
        var problems = new ProblemList();
        var parameters = KeywordValueParser.Parse(text, "url", null, problems);

        problems.HasProblems.Should().BeFalse();
        string.Join("|", parameters.Keywords.Select(k => $"{k}={parameters.ToDictionary()[k]}")).Should().Be(expected);
    }

    [Theory]
    [InlineData("host=a x", "url", "position 8 has no '='")]
    [InlineData("host='abc", "host", "no closing quote")]
    [InlineData("=a", "url", "is not a PostgreSQL connection parameter")]
    [InlineData("hots=a", "hots", "did you mean 'host'?")]
    [InlineData("password=my secret=x", "url", "a keyword after the password")]
    [InlineData("password=my secret", "url", "quote it")]
    public void Reports_problems_without_quoting_what_follows_a_password(string text, string key, string messagePart)
    {
        var problems = new ProblemList();
        KeywordValueParser.Parse(text, "url", null, problems);

        var exception = Assert.Throws<ConnectionConfigurationException>(problems.ThrowIfAny);
        exception.Problems.Should().Contain(p => p.Key == key && p.Message.Contains(messagePart, StringComparison.Ordinal), because: exception.Message);
        exception.Message.Should().NotContain("secret");
    }

    [Theory]
    [InlineData("host=db1 port=5432", true)]
    [InlineData(" dbname = x", true)]
    [InlineData("db1.example.com", false)]
    [InlineData("postgresql://h", false)]
    [InlineData("user@host=x", false)]
    public void Recognises_keyword_value_strings(string text, bool expected)
        => KeywordValueParser.LooksLikeKeywordValue(text).Should().Be(expected);

    [Theory]
    [InlineData("host='abc", "host: a quoted value has no closing quote (')")]
    [InlineData("host='a\\", "host: a quoted value has no closing quote (')")]
    [InlineData("='abc", "url: a quoted value has no closing quote (')")]
    [InlineData("password=x host='abc", "url: a quoted value has no closing quote (')")]
    [InlineData("hots=a", "hots: 'hots' is not a PostgreSQL connection parameter; did you mean 'host'?")]
    [InlineData("zzzzzz=1", "zzzzzz: 'zzzzzz' is not a PostgreSQL connection parameter")]
    [InlineData("password=x hots=a", "url: a keyword after the password is not a PostgreSQL connection parameter")]
    [InlineData("password=x zzzzzz=a", "url: a keyword after the password is not a PostgreSQL connection parameter")]
    [InlineData("host=a x", "url: the word at position 8 has no '=' after it; write keyword=value pairs separated by spaces, and quote values that contain spaces: dbname='my db'")]
    [InlineData("password=my secret", "url: a word after the password has no '=' after it; if the password contains spaces, quote it: password='two words'")]
    public void Problems_are_pinned_word_for_word(string text, string expected)
    {
        var problems = new ProblemList();
        KeywordValueParser.Parse(text, "url", null, problems);

        var exception = Assert.Throws<ConnectionConfigurationException>(problems.ThrowIfAny);
        exception.Problems.Select(p => $"{p.Key}: {p.Message}").Should().Equal(expected);
    }

    [Fact]
    public void Sources_carry_where_the_string_came_from()
    {
        var origin = new SettingSource(SettingSourceKind.EnvironmentVariable, "DATABASE_URL");
        var problems = new ProblemList();

        KeywordValueParser.Parse("host=h", "DATABASE_URL", origin, problems).TryGet("host", out var fromOrigin).Should().BeTrue();
        KeywordValueParser.Parse("host=h", "DB_URL", null, problems).TryGet("host", out var fromKey).Should().BeTrue();
        KeywordValueParser.Parse("host=h", "url", null, problems).TryGet("host", out var direct).Should().BeTrue();

        problems.HasProblems.Should().BeFalse();
        fromOrigin.Source.Should().Be(new SettingSource(SettingSourceKind.Url, "host", "environment variable DATABASE_URL"));
        fromKey.Source.Should().Be(new SettingSource(SettingSourceKind.Url, "host", "DB_URL"));
        direct.Source.Should().Be(new SettingSource(SettingSourceKind.Url, "host", null));
    }

    [Theory]
    [InlineData("=a")]
    [InlineData(":x=1")]
    [InlineData("@x=1")]
    [InlineData("a b=1")]
    public void Not_keyword_value_strings(string text)
        => KeywordValueParser.LooksLikeKeywordValue(text).Should().BeFalse();
}
