using Npgsql;

namespace PgSecureConnect.Tests;

public class ConnectionSettingsTests
{
    private const string Full =
        "postgresql://app%40corp:p%40ss%2Fw%3Ard@db1.example.com:5433,[2001:db8::1]:5434,%2Fvar%2Frun%2Fpostgresql:5435/my%20db" +
        "?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&sslcert=%2Fc.pem&sslkey=%2Fk.pem&sslpassword=kp&sslnegotiation=direct" +
        "&ssl_min_protocol_version=TLSv1.3&channel_binding=require&require_auth=scram-sha-256&gssencmode=disable&krbsrvname=pg&passfile=%2Fp" +
        "&connect_timeout=7&application_name=a%20b&options=-c%20x%3Dy&client_encoding=UTF8&target_session_attrs=prefer-standby" +
        "&load_balance_hosts=random&keepalives=1&keepalives_idle=60&keepalives_interval=10&schema=s&pgbouncer=true&pool_min_conns=1" +
        "&pool_max_conns=9&pool_max_conn_idle_time=90&pool_max_conn_lifetime=3600&pool_timeout=12";

    [Theory]
    [InlineData(Full)]
    [InlineData("postgresql://localhost/db")]
    [InlineData("postgresql:///")]
    [InlineData("postgresql://:only-password@h/db")]
    [InlineData("host=a,b port=1,2 dbname='x y' password='it\\'s'")]
    [InlineData("postgresql://h/db?connect_timeout=0&pool_timeout=0&pool_max_conn_lifetime=1500ms")]
    public void ToUrl_round_trips_through_FromUrl(string url)
    {
        var settings = ConnectionSettings.FromUrl(url);

        var written = settings.ToUrl(includePassword: true);
        var reread = ConnectionSettings.FromUrl(written);

        reread.ToUrl(includePassword: true).Should().Be(written);
        reread.Password.Should().Be(settings.Password);
        reread.Servers.Should().Equal(settings.Servers);
        reread.Database.Should().Be(settings.Database);
    }

    [Fact]
    public void Full_url_is_written_back_parameter_by_parameter()
    {
        var settings = ConnectionSettings.FromUrl(Full);

        settings.Username.Should().Be("app@corp");
        settings.Password.Should().Be("p@ss/w:rd");
        settings.Database.Should().Be("my db");
        settings.Servers.Should().Equal(new ServerEndpoint("db1.example.com", 5433), new ServerEndpoint("2001:db8::1", 5434), new ServerEndpoint("/var/run/postgresql", 5435));
        settings.ToUrl().Should().StartWith("postgresql://app%40corp@db1.example.com:5433,[2001:db8::1]:5434,%2Fvar%2Frun%2Fpostgresql:5435/my%20db?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem");
    }

    [Fact]
    public void ToString_masks_the_password_and_the_key_password()
    {
        var settings = ConnectionSettings.FromUrl("postgresql://app:hunter2@db/orders?sslpassword=keypass&sslmode=require");

        settings.ToString().Should().Be("postgresql://app:***@db:5432/orders?sslmode=require&sslpassword=***");
        settings.ToUrl().Should().Be("postgresql://app@db:5432/orders?sslmode=require");
    }

    [Fact]
    public void Describe_lists_values_and_sources_without_secrets()
    {
        var settings = ConnectionSettings.FromVariables(new Dictionary<string, string?>
        {
            ["DB_HOST"] = "db",
            ["DB_USER"] = "app",
            ["DB_PASSWORD"] = "hunter2",
            ["DB_SSLMODE"] = "require",
        });

        settings.Describe().Should().Be(
            "host: db  [variable DB_HOST]\n" +
            "port: 5432  [default for port]\n" +
            "user: app  [variable DB_USER]\n" +
            "password: (set, not shown)  [variable DB_PASSWORD]\n" +
            "sslmode: require  [variable DB_SSLMODE]");
    }

    [Fact]
    public void Npgsql_builder_is_complete_and_does_not_persist_the_password()
    {
        var builder = ConnectionSettings.FromUrl("postgresql://app:pw@db1:5433,db2/orders?sslmode=verify-full&sslrootcert=/ca.pem&target_session_attrs=read-write&application_name=api&connect_timeout=4&keepalives=0").ToNpgsqlConnectionStringBuilder();

        builder.Host.Should().Be("db1:5433,db2:5432");
        builder.Database.Should().Be("orders");
        builder.Username.Should().Be("app");
        builder.Password.Should().Be("pw");
        builder.SslMode.Should().Be(SslMode.VerifyFull);
        builder.RootCertificate.Should().Be("/ca.pem");
        builder.TargetSessionAttributes.Should().Be("read-write");
        builder.ApplicationName.Should().Be("api");
        builder.Timeout.Should().Be(4);
        builder.TcpKeepAlive.Should().BeFalse();
        builder.PersistSecurityInfo.Should().BeFalse();
    }

    [Fact]
    public void Npgsql_builder_for_one_server_leaves_target_session_attributes_to_the_factory()
    {
        // Npgsql refuses Target Session Attributes with a single host; the factories check the session themselves.
        var builder = ConnectionSettings.FromUrl("postgresql://db:6000/x?target_session_attrs=primary").ToNpgsqlConnectionStringBuilder();

        builder.Host.Should().Be("db");
        builder.Port.Should().Be(6000);
        builder.TargetSessionAttributes.Should().BeNull();
        builder.TcpKeepAlive.Should().BeTrue("libpq turns keepalives on by default");
    }

    [Fact]
    public void Settings_are_immutable_from_outside()
    {
        typeof(ConnectionSettings).GetProperties().Where(p => p.SetMethod?.IsPublic == true).Should().BeEmpty();
        typeof(ConnectionSettings).GetConstructors().Should().BeEmpty("settings come from FromUrl, FromVariables or a factory");
    }

    [Fact]
    public void Casting_the_sources_to_a_mutable_dictionary_cannot_redirect_the_secret_files_watched()
    {
        // The credential store reads the secret files' paths from the sources.
        var settings = ConnectionSettings.FromUrl("postgresql://u:p@127.0.0.1:5432/db?sslmode=disable");

        (settings.Sources is IDictionary<string, SettingSource> { IsReadOnly: false }).Should().BeFalse("a caller could otherwise replace where a value came from");
        var write = () => ((IDictionary<string, SettingSource>)settings.Sources)["password"] = new SettingSource(SettingSourceKind.SecretFile, "DB_PASSWORD_FILE", "/tmp/attacker");
        write.Should().Throw<NotSupportedException>();
        settings.GetSource("password")!.Kind.Should().Be(SettingSourceKind.Url);
    }

    [Fact]
    public void Casting_the_server_list_to_a_mutable_list_cannot_redirect_a_factory()
    {
        using var factory = ConnectionFactory.FromUrl("postgresql://u:p@127.0.0.1:5432,127.0.0.2:5432/db?sslmode=disable");

        (factory.Settings.Servers is IList<ServerEndpoint> { IsReadOnly: false }).Should().BeFalse("a caller could otherwise add or replace a server");
        var asList = factory.Settings.Servers as IList<ServerEndpoint>;
        asList.Should().NotBeNull();
        var write = () => asList![0] = new ServerEndpoint("attacker.example", 5432);
        write.Should().Throw<NotSupportedException>();
        factory.Settings.Servers[0].Host.Should().Be("127.0.0.1");
    }
}
