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
}
