using Microsoft.Extensions.Configuration;

namespace PgSecureConnect.Tests;

public class ConnectionFactoryFromConfigurationTests
{
    private static IConfiguration Configuration(params (string Key, string? Value)[] values)
        => new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Fact]
    public void Reads_a_url_connection_string()
    {
        using var factory = ConnectionFactory.FromConfiguration(Configuration(("ConnectionStrings:Default", "postgresql://app:pw@localhost:6543/orders")));

        factory.Should().BeOfType<UrlConnectionFactory>();
        factory.Settings.Servers.Should().Equal(new ServerEndpoint("localhost", 6543));
        factory.Settings.GetSource("password")!.ToString().Should().Be("password in configuration key ConnectionStrings:Default");
    }

    [Fact]
    public void Reads_an_npgsql_connection_string()
    {
        using var factory = ConnectionFactory.FromConfiguration(Configuration(("ConnectionStrings:Default",
            "Host=localhost:6543,127.0.0.2;Database=orders;Username=app;Password=\"p;w\";SSL Mode=VerifyFull;Target Session Attributes=read-write;Maximum Pool Size=7")));

        var settings = factory.Settings;
        settings.Servers.Should().Equal(new ServerEndpoint("localhost", 6543), new ServerEndpoint("127.0.0.2", 5432));
        settings.Database.Should().Be("orders");
        settings.Username.Should().Be("app");
        settings.Password.Should().Be("p;w");
        settings.SslMode.Should().Be(Npgsql.SslMode.VerifyFull);
        settings.TargetSessionAttributes.Should().Be(Npgsql.TargetSessionAttributes.ReadWrite);
        settings.MaxPoolSize.Should().Be(7);
    }

    [Fact]
    public void Npgsql_keywords_without_a_libpq_counterpart_say_how_to_set_them()
    {
        var exception = Assert.Throws<ConnectionConfigurationException>(() =>
            ConnectionFactory.FromConfiguration(Configuration(("ConnectionStrings:Default", "Host=localhost;Command Timeout=5;Bogus=1"))));

        exception.Problems.Should().HaveCount(2);
        exception.Problems[0].Key.Should().Be("command timeout");
        exception.Problems[0].Message.Should().Contain("ConfigureDataSource");
        exception.Problems[1].Message.Should().Be("'bogus' is not an Npgsql connection string keyword");
    }

    [Fact]
    public void Named_connection_string()
    {
        using var factory = ConnectionFactory.FromConfiguration(
            Configuration(("ConnectionStrings:Orders", "postgresql://localhost/orders")),
            new ConnectionFactoryOptions { ConnectionStringName = "Orders" });

        factory.Settings.Database.Should().Be("orders");
    }

    [Fact]
    public void Falls_back_to_variables_at_the_root()
    {
        using var factory = ConnectionFactory.FromConfiguration(Configuration(("DB_HOST", "localhost"), ("DB_NAME", "orders")));

        factory.Should().BeOfType<VariablesConnectionFactory>();
        factory.Settings.GetSource("dbname").Should().Be(new SettingSource(SettingSourceKind.Configuration, "DB_NAME"));
    }

    [Fact]
    public void Connection_string_and_variables_together_are_an_error()
    {
        var exception = Assert.Throws<ConnectionConfigurationException>(() => ConnectionFactory.FromConfiguration(
            Configuration(("ConnectionStrings:Default", "postgresql://localhost/db"), ("DB_HOST", "other"))));

        exception.Key.Should().Be("ConnectionStrings:Default");
        exception.Message.Should().Contain("ConnectionStrings:Default and DB_HOST are all set");
    }

    [Fact]
    public void Nothing_found_names_the_keys_looked_at()
    {
        var exception = Assert.Throws<ConnectionConfigurationException>(() => ConnectionFactory.FromConfiguration(Configuration()));

        exception.Message.Should().Contain("the configuration (keys ConnectionStrings:Default, DATABASE_URL, DB_*)");
    }
}
