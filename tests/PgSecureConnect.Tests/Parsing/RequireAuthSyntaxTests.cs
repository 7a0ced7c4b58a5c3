using PgSecureConnect.Parsing;

namespace PgSecureConnect.Tests.Parsing;

public class RequireAuthSyntaxTests
{
    private const string NotAMethod = "is not an authentication method; use password, md5, gss, sspi, scram-sha-256 or none, optionally negated with '!', separated by commas";

    [Theory]
    [InlineData("password")]
    [InlineData("md5")]
    [InlineData("gss")]
    [InlineData("sspi")]
    [InlineData("scram-sha-256")]
    [InlineData("none")]
    [InlineData("md5,password")]
    [InlineData("!md5")]
    [InlineData("!md5,!password,!none")]
    public void Accepts_libpq_method_lists(string value)
    {
        RequireAuthSyntax.TryValidate(value, out var error).Should().BeTrue();
        error.Should().BeNull();
    }

    [Theory]
    [InlineData("scram", "'scram' " + NotAMethod)]
    [InlineData("", "'' " + NotAMethod)]
    [InlineData("!", "'!' " + NotAMethod)]
    [InlineData("MD5", "'MD5' " + NotAMethod)]
    [InlineData("md5, password", "' password' " + NotAMethod)]
    [InlineData("md5,md5", "'md5' is listed twice")]
    [InlineData("!gss,!gss", "'gss' is listed twice")]
    [InlineData("!md5,password", "mixes allowed and negated ('!') methods, which libpq does not allow; list either the allowed methods or the refused ones")]
    [InlineData("md5,!password,!gss", "mixes allowed and negated ('!') methods, which libpq does not allow; list either the allowed methods or the refused ones")]
    public void Rejects_what_libpq_rejects(string value, string expected)
    {
        RequireAuthSyntax.TryValidate(value, out var error).Should().BeFalse();
        error.Should().Be(expected);
    }

    [Theory]
    [InlineData("password", "Password")]
    [InlineData("md5,gss,sspi,none", "MD5,GSS,SSPI,None")]
    [InlineData("scram-sha-256", "ScramSHA256")]
    [InlineData("!scram-sha-256,!md5", "!ScramSHA256,!MD5")]
    [InlineData("!password,!gss,!sspi,!none", "!Password,!GSS,!SSPI,!None")]
    public void Translates_to_Npgsql_names(string value, string expected)
        => RequireAuthSyntax.ToNpgsql(value).Should().Be(expected);
}
