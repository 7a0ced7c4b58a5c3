using PgSecureConnect.Parsing;

namespace PgSecureConnect.Tests.Parsing;

public class ConnectionParameterCatalogTests
{
    [Theory]
    [InlineData("host", "PGHOST")]
    [InlineData("port", "PGPORT")]
    [InlineData("dbname", "PGDATABASE")]
    [InlineData("user", "PGUSER")]
    [InlineData("password", "PGPASSWORD")]
    [InlineData("passfile", "PGPASSFILE")]
    [InlineData("channel_binding", "PGCHANNELBINDING")]
    [InlineData("require_auth", "PGREQUIREAUTH")]
    [InlineData("connect_timeout", "PGCONNECT_TIMEOUT")]
    [InlineData("client_encoding", "PGCLIENTENCODING")]
    [InlineData("options", "PGOPTIONS")]
    [InlineData("application_name", "PGAPPNAME")]
    [InlineData("sslmode", "PGSSLMODE")]
    [InlineData("sslnegotiation", "PGSSLNEGOTIATION")]
    [InlineData("sslcompression", "PGSSLCOMPRESSION")]
    [InlineData("sslcert", "PGSSLCERT")]
    [InlineData("sslkey", "PGSSLKEY")]
    [InlineData("sslcertmode", "PGSSLCERTMODE")]
    [InlineData("sslrootcert", "PGSSLROOTCERT")]
    [InlineData("sslsni", "PGSSLSNI")]
    [InlineData("ssl_min_protocol_version", "PGSSLMINPROTOCOLVERSION")]
    [InlineData("ssl_max_protocol_version", "PGSSLMAXPROTOCOLVERSION")]
    [InlineData("gssencmode", "PGGSSENCMODE")]
    [InlineData("krbsrvname", "PGKRBSRVNAME")]
    [InlineData("target_session_attrs", "PGTARGETSESSIONATTRS")]
    [InlineData("load_balance_hosts", "PGLOADBALANCEHOSTS")]
    [InlineData("service", "PGSERVICE")]
    [InlineData("hostaddr", "PGHOSTADDR")]
    [InlineData("sslcrl", "PGSSLCRL")]
    [InlineData("sslcrldir", "PGSSLCRLDIR")]
    [InlineData("sslkeylogfile", "PGSSLKEYLOGFILE")]
    [InlineData("requirepeer", "PGREQUIREPEER")]
    [InlineData("min_protocol_version", "PGMINPROTOCOLVERSION")]
    [InlineData("max_protocol_version", "PGMAXPROTOCOLVERSION")]
    [InlineData("gsslib", "PGGSSLIB")]
    [InlineData("gssdelegation", "PGGSSDELEGATION")]
    [InlineData("fallback_application_name", null)]
    [InlineData("keepalives", null)]
    [InlineData("sslpassword", null)]
    [InlineData("oauth_client_secret", null)]
    [InlineData("pgbouncer", null)]
    public void Each_parameter_names_the_libpq_environment_variable_that_supplies_it(string keyword, string? environmentVariable)
    {
        ConnectionParameterCatalog.TryGet(keyword, out var definition).Should().BeTrue();
        definition.EnvironmentVariable.Should().Be(environmentVariable);
    }

    [Theory]
    [InlineData("hostaddr", "Npgsql resolves host names itself; put the IP address in host instead")]
    [InlineData("sslcrl", "Npgsql cannot read certificate revocation list files; remove it")]
    [InlineData("sslcrldir", "Npgsql cannot read certificate revocation list directories; remove it")]
    [InlineData("sslkeylogfile", "Npgsql cannot write TLS key log files; remove it")]
    [InlineData("requirepeer", "Npgsql cannot check the peer user of a Unix-domain socket; remove it")]
    [InlineData("min_protocol_version", "Npgsql always speaks protocol 3.0; remove it")]
    [InlineData("max_protocol_version", "Npgsql always speaks protocol 3.0; remove it")]
    [InlineData("gsslib", "gsslib only selects SSPI on Windows builds of libpq; remove it")]
    [InlineData("gssdelegation", "Npgsql cannot delegate GSS credentials; remove it")]
    [InlineData("scram_client_key", "SCRAM pass-through keys are not supported by Npgsql; use password")]
    [InlineData("scram_server_key", "SCRAM pass-through keys are not supported by Npgsql; use password")]
    [InlineData("oauth_issuer", "OAuth authentication is not supported by Npgsql; use password or a client certificate")]
    [InlineData("oauth_client_id", "OAuth authentication is not supported by Npgsql; use password or a client certificate")]
    [InlineData("oauth_client_secret", "OAuth authentication is not supported by Npgsql; use password or a client certificate")]
    [InlineData("oauth_scope", "OAuth authentication is not supported by Npgsql; use password or a client certificate")]
    public void Parameters_Npgsql_cannot_honour_explain_what_to_do(string keyword, string explanation)
    {
        ConnectionParameterCatalog.TryGet(keyword, out var definition).Should().BeTrue();
        definition.Support.Should().Be(ParameterSupport.NoNpgsqlEquivalent);
        definition.Explanation.Should().Be(explanation);
    }

    [Theory]
    [InlineData("password", true)]
    [InlineData("sslpassword", true)]
    [InlineData("oauth_client_secret", true)]
    [InlineData("oauth_client_id", false)]
    [InlineData("user", false)]
    [InlineData("passfile", false)]
    [InlineData("no_such_keyword", false)]
    public void Secret_parameters_are_marked(string keyword, bool expected)
        => ConnectionParameterCatalog.IsSecret(keyword).Should().Be(expected);

    [Theory]
    [InlineData("HOST", "host")]
    [InlineData("connect-timeout", "connect_timeout")]
    [InlineData("uset", "user")]
    [InlineData("dbnam", "dbname")]
    [InlineData("hots", "host")]
    [InlineData("post", "host")]
    [InlineData("sslmodee", "sslmode")]
    [InlineData("sslmdoe", "sslmode")]
    [InlineData("keepalivs", "keepalives")]
    [InlineData("application_nam", "application_name")]
    [InlineData("sslrootxyzt", "sslrootcert")]
    [InlineData("sslpasswo", "sslpassword")]
    [InlineData("hoz", null)]
    [InlineData("appname", null)]
    [InlineData("sslmoxyz", null)]
    [InlineData("keepaxyzs", null)]
    [InlineData("zzzzzzzzzzzz", null)]
    [InlineData("x", null)]
    [InlineData("", null)]
    public void Suggests_the_nearest_keyword_within_a_typo_distance(string unknown, string? expected)
        => ConnectionParameterCatalog.SuggestFor(unknown).Should().Be(expected);

    // libpq's conninfo_storeval looks only at the first character of requiressl (values checked against libpq 15).
    [Theory]
    [InlineData("1", "require")]
    [InlineData("10", "require")]
    [InlineData("01", "prefer")]
    [InlineData("true", "prefer")]
    [InlineData("", "prefer")]
    public void Legacy_requiressl_becomes_sslmode_by_its_first_character(string value, string sslmode)
        => ConnectionParameterCatalog.TranslateLegacy("requiressl", value).Should().Be(("sslmode", sslmode));

    [Fact]
    public void Other_keywords_are_not_translated()
        => ConnectionParameterCatalog.TranslateLegacy("sslmode", "1").Should().Be(("sslmode", "1"));
}
