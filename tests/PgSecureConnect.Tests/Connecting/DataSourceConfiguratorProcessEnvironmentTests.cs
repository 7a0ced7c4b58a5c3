using System.Reflection;
using Npgsql;

namespace PgSecureConnect.Tests.Connecting;

/// <summary>
/// The <c>PG*</c> variables Npgsql would read for settings left empty, set in the real process environment (so these
/// tests run alone and put back what they changed): the factory's data sources never let them through.
/// </summary>
[Collection(ProcessEnvironmentCollection.Name)]
public sealed class DataSourceConfiguratorProcessEnvironmentTests : IDisposable
{
    private readonly Dictionary<string, string?> _saved = [];
    private readonly List<NpgsqlDataSourceBuilder> _builders = [];
    private readonly List<IConnectionFactory> _factories = [];

    public void Dispose()
    {
        foreach (var factory in _factories)
        {
            factory.Dispose();
        }

        foreach (var (name, value) in _saved)
        {
            Environment.SetEnvironmentVariable(name, value);
        }
    }

    private void Set(string name, string? value)
    {
        _saved.TryAdd(name, Environment.GetEnvironmentVariable(name));
        Environment.SetEnvironmentVariable(name, value);
    }

    private NpgsqlConnectionStringBuilder Configured(string url)
    {
        _factories.Add(ConnectionFactory.FromUrl(url, new ConnectionFactoryOptions { ConfigureDataSource = _builders.Add }));
        return _builders.Single().ConnectionStringBuilder;
    }

    [Fact]
    public void PGAPPNAME_cannot_name_the_application_the_program_name_stands_in()
    {
        Set("PGAPPNAME", "injected-by-environment");

        var configured = Configured("postgresql://app@localhost/orders");

        configured.ApplicationName.Should().Be(Assembly.GetEntryAssembly()!.GetName().Name, "libpq programs pass their name as fallback_application_name");
    }

    [Fact]
    public void PGAPPNAME_does_not_replace_an_application_name_from_the_settings()
    {
        Set("PGAPPNAME", "injected-by-environment");

        Configured("postgresql://app@localhost/orders?application_name=billing").ApplicationName.Should().Be("billing");
    }

    [Fact]
    public void PGOPTIONS_cannot_add_server_switches()
    {
        Set("PGOPTIONS", "-c role=admin");

        Configured("postgresql://app@localhost/orders").Options.Should().Be(" ", "a blank options string: no switches");
    }

    [Fact]
    public void PGOPTIONS_does_not_replace_options_from_the_settings()
    {
        Set("PGOPTIONS", "-c role=admin");

        Configured("postgresql://app@localhost/orders?options=-c%20statement_timeout%3D5s").Options.Should().Be("-c statement_timeout=5s");
    }

    [Fact]
    public void Without_those_variables_nothing_stands_in()
    {
        Set("PGAPPNAME", null);
        Set("PGOPTIONS", null);

        var configured = Configured("postgresql://app@localhost/orders");

        configured.ApplicationName.Should().BeNull();
        configured.Options.Should().BeNull();
    }
}
