using PgSecureConnect.Internal;
using PgSecureConnect.Parsing;

namespace PgSecureConnect.Tests.Parsing;

public class HostListSyntaxTests
{
    private static readonly SettingSource HostSource = new(SettingSourceKind.Variables, "DB_HOST");
    private static readonly SettingSource PortSource = new(SettingSourceKind.Variables, "DB_PORT");

    [Theory]
    [InlineData("a:1,b:2", null, "host=a,b|port=1,2")]
    [InlineData("a:1,b", "5432", "host=a,b|port=1,5432")]
    [InlineData("a,b:2", null, "host=a,b|port=,2")]
    [InlineData("[::1]:5433,db2", "5432", "host=::1,db2|port=5433,5432")]
    [InlineData("[::1],db2:5433", "5432", "host=::1,db2|port=5432,5433")]
    [InlineData("[::1]", null, "host=::1")]
    [InlineData("[::1]x,db2:5", null, "host=::1,db2|port=,5")]
    [InlineData(":5433", null, "host=|port=5433")]
    [InlineData("::1", "5432", "host=::1|port=5432")]
    [InlineData("/var/run/postgresql", null, "host=/var/run/postgresql")]
    [InlineData("/tmp/a:b", null, "host=/tmp/a:b")]
    [InlineData("a, b", "5432", "host=a,b|port=5432")]
    [InlineData("a,b", null, "host=a,b")]
    public void Moves_embedded_ports_into_the_port_list(string host, string? port, string expected)
    {
        var parameters = new ConnectionParameters();
        parameters.Set(LibpqKeyword.Host, host, HostSource);
        if (port is not null)
        {
            parameters.Set(LibpqKeyword.Port, port, PortSource);
        }

        var problems = new ProblemList();
        HostListSyntax.SplitEmbeddedPorts(parameters, problems);

        problems.HasProblems.Should().BeFalse();
        string.Join("|", parameters.Keywords.OrderBy(k => k, StringComparer.Ordinal).Select(k => $"{k}={parameters.ToDictionary()[k]}")).Should().Be(expected);
    }

    [Fact]
    public void Embedded_ports_and_a_port_list_together_are_an_error_and_change_nothing()
    {
        var parameters = new ConnectionParameters();
        parameters.Set(LibpqKeyword.Host, "a:1,b", HostSource);
        parameters.Set(LibpqKeyword.Port, "5,6", PortSource);
        var problems = new ProblemList();

        HostListSyntax.SplitEmbeddedPorts(parameters, problems);

        parameters.ToDictionary().Should().Equal(new Dictionary<string, string> { ["host"] = "a:1,b", ["port"] = "5,6" });
        var exception = Assert.Throws<ConnectionConfigurationException>(problems.ThrowIfAny);
        exception.Problems.Should().ContainSingle().Which.Should().Be(new ConfigurationProblem(
            "DB_PORT", PortSource, "DB_HOST already gives ports (host:port), so DB_PORT may hold at most one port, used for the hosts without one; it holds 2"));
    }
}
