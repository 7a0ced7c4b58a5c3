using Npgsql;
using PgSecureConnect.Connecting;

namespace PgSecureConnect.Tests.Connecting;

/// <summary>What a factory really uses: the options validated, the SslPolicy applied, the options' defaults filled in with their source.</summary>
public sealed class EffectiveSettingsTests
{
    private static ConnectionSettings Create(string url, ConnectionFactoryOptions? options = null, Func<string?>? credentialStatus = null)
        => EffectiveSettings.Create(ConnectionSettings.FromUrl(url), options ?? new ConnectionFactoryOptions(), credentialStatus);

    private static SettingSource Policy(string keyword, string option) => new(SettingSourceKind.Policy, keyword, option);

    [Fact]
    public void An_undefined_SslPolicy_is_listed_first_among_every_invalid_option()
    {
        var options = new ConnectionFactoryOptions { SslPolicy = (SslPolicy)7, Retry = new RetryPolicy { MaxAttempts = 0 } };

        var exception = Assert.Throws<ArgumentException>(() => Create("postgresql://u@localhost/db", options));

        exception.ParamName.Should().Be("options");
        exception.Message.Should().Be(
            "The connection factory options are invalid:\n" +
            "- SslPolicy is 7, which is not an SslPolicy; use RequireEncryption (the default), VerifyFull or AllowInsecure.\n" +
            "- Retry.MaxAttempts must be at least 1; it is 0. (Parameter 'options')");
    }

    [Theory]
    [InlineData(SslPolicy.RequireEncryption)]
    [InlineData(SslPolicy.VerifyFull)]
    [InlineData(SslPolicy.AllowInsecure)]
    public void Every_defined_SslPolicy_is_accepted(SslPolicy policy)
        => Create("postgresql://u@localhost/db", new ConnectionFactoryOptions { SslPolicy = policy }).SslMode.Should().Be(SslMode.Prefer);

    [Fact]
    public void Options_the_settings_leave_open_are_filled_in_with_the_option_as_their_source()
    {
        var options = new ConnectionFactoryOptions
        {
            Retry = new RetryPolicy { ConnectTimeout = TimeSpan.FromSeconds(7) },
            MaxPoolSize = 20,
            MinPoolSize = 2,
            ConnectionIdleLifetime = TimeSpan.FromMinutes(1),
            ConnectionLifetime = TimeSpan.FromHours(1),
            ApplicationName = "orders",
        };

        var settings = Create("postgresql://u@localhost/db", options);

        settings.ConnectTimeout.Should().Be(TimeSpan.FromSeconds(7));
        settings.MaxPoolSize.Should().Be(20);
        settings.MinPoolSize.Should().Be(2);
        settings.ConnectionIdleLifetime.Should().Be(TimeSpan.FromMinutes(1));
        settings.ConnectionLifetime.Should().Be(TimeSpan.FromHours(1));
        settings.ApplicationName.Should().Be("orders");
        settings.GetSource("connect_timeout").Should().Be(Policy("connect_timeout", "RetryPolicy.ConnectTimeout"));
        settings.GetSource("pool_max_conns").Should().Be(Policy("pool_max_conns", "ConnectionFactoryOptions.MaxPoolSize"));
        settings.GetSource("pool_min_conns").Should().Be(Policy("pool_min_conns", "ConnectionFactoryOptions.MinPoolSize"));
        settings.GetSource("pool_max_conn_idle_time").Should().Be(Policy("pool_max_conn_idle_time", "ConnectionFactoryOptions.ConnectionIdleLifetime"));
        settings.GetSource("pool_max_conn_lifetime").Should().Be(Policy("pool_max_conn_lifetime", "ConnectionFactoryOptions.ConnectionLifetime"));
        settings.GetSource("application_name").Should().Be(Policy("application_name", "ConnectionFactoryOptions.ApplicationName"));
    }

    [Fact]
    public void Options_not_given_are_left_unset_without_a_source()
    {
        var settings = Create("postgresql://u@localhost/db");

        settings.MaxPoolSize.Should().BeNull();
        settings.MinPoolSize.Should().BeNull();
        settings.ConnectionIdleLifetime.Should().BeNull();
        settings.ConnectionLifetime.Should().BeNull();
        settings.ApplicationName.Should().BeNull();
        settings.Sources.Keys.Should().NotContain(["pool_max_conns", "pool_min_conns", "pool_max_conn_idle_time", "pool_max_conn_lifetime", "application_name"]);
        settings.ConnectTimeout.Should().Be(TimeSpan.FromSeconds(10), "the retry policy always has a connect timeout");
    }

    [Fact]
    public void Settings_win_over_the_options_defaults()
    {
        var options = new ConnectionFactoryOptions { MaxPoolSize = 20, MinPoolSize = 2, ConnectionIdleLifetime = TimeSpan.FromMinutes(1), ConnectionLifetime = TimeSpan.FromHours(1), ApplicationName = "orders" };

        var settings = Create("postgresql://u@localhost/db?connect_timeout=3&pool_max_conns=7&pool_min_conns=1&pool_max_conn_idle_time=30s&pool_max_conn_lifetime=2m&application_name=billing", options);

        settings.ConnectTimeout.Should().Be(TimeSpan.FromSeconds(3));
        settings.MaxPoolSize.Should().Be(7);
        settings.MinPoolSize.Should().Be(1);
        settings.ConnectionIdleLifetime.Should().Be(TimeSpan.FromSeconds(30));
        settings.ConnectionLifetime.Should().Be(TimeSpan.FromMinutes(2));
        settings.ApplicationName.Should().Be("billing");
        foreach (var keyword in new[] { "connect_timeout", "pool_max_conns", "pool_min_conns", "pool_max_conn_idle_time", "pool_max_conn_lifetime", "application_name" })
        {
            settings.GetSource(keyword)!.Kind.Should().Be(SettingSourceKind.Url, keyword);
        }
    }

    [Fact]
    public void The_sslmode_the_policy_chose_is_used_with_the_policy_as_its_source()
    {
        var settings = Create("postgresql://u@db.example.com/db");

        settings.SslMode.Should().Be(SslMode.Require);
        settings.GetSource("sslmode").Should().Be(Policy("sslmode", "SslPolicy.RequireEncryption, remote server, no root certificate"));
    }

    [Fact]
    public void An_sslmode_given_in_the_settings_keeps_its_source()
    {
        var settings = Create("postgresql://u@db.example.com/db?sslmode=verify-full&sslrootcert=system");

        settings.SslMode.Should().Be(SslMode.VerifyFull);
        settings.GetSource("sslmode")!.Kind.Should().Be(SettingSourceKind.Url);
    }

    [Fact]
    public void Channel_binding_require_limits_authentication_to_SCRAM_with_the_rule_as_source()
    {
        var settings = Create("postgresql://u@localhost/db?sslmode=require&channel_binding=require");

        settings.RequireAuth.Should().Be("scram-sha-256");
        settings.GetSource("require_auth").Should().Be(Policy("require_auth", "channel_binding=require"));
    }

    [Fact]
    public void A_require_auth_from_the_settings_keeps_its_source()
    {
        var settings = Create("postgresql://u@localhost/db?require_auth=scram-sha-256");

        settings.RequireAuth.Should().Be("scram-sha-256");
        settings.GetSource("require_auth")!.Kind.Should().Be(SettingSourceKind.Url);
    }

    [Fact]
    public void The_parsed_settings_are_not_changed()
    {
        var parsed = ConnectionSettings.FromUrl("postgresql://u@db.example.com/db");

        var effective = EffectiveSettings.Create(parsed, new ConnectionFactoryOptions { MaxPoolSize = 20 });

        effective.Should().NotBeSameAs(parsed);
        parsed.SslMode.Should().BeNull();
        parsed.ConnectTimeout.Should().BeNull();
        parsed.MaxPoolSize.Should().BeNull();
    }

    [Fact]
    public void The_credential_status_appears_in_the_description()
    {
        var settings = Create("postgresql://u@localhost/db", credentialStatus: () => "from the secret file /run/secrets/db-password");

        settings.Describe().Should().EndWith("\ncredentials: from the secret file /run/secrets/db-password");
    }

    [Fact]
    public void A_remote_server_without_encryption_is_refused_under_the_default_policy()
    {
        var exception = Assert.Throws<ConnectionConfigurationException>(() => Create("postgresql://u@db.example.com/db?sslmode=disable"));

        exception.Key.Should().Be("sslmode");
        exception.Message.Should().Contain("SslPolicy.RequireEncryption (the default) forbids");
    }

    [Fact]
    public void Direct_TLS_negotiation_is_checked_against_the_sslmode_the_policy_chose()
    {
        // Local servers only: the policy keeps libpq's default, prefer, which direct negotiation does not allow.
        var exception = Assert.Throws<ConnectionConfigurationException>(() => Create("postgresql://u@localhost/db?sslnegotiation=direct"));

        exception.Key.Should().Be("sslnegotiation");
        exception.Message.Should().Contain("sslnegotiation=direct needs sslmode require, verify-ca or verify-full (libpq rejects weaker modes with direct negotiation); the effective sslmode is prefer");
    }

    [Fact]
    public void A_minimum_pool_size_from_the_options_above_Npgsqls_default_maximum_is_refused()
    {
        var exception = Assert.Throws<ConnectionConfigurationException>(() => Create("postgresql://u@localhost/db", new ConnectionFactoryOptions { MinPoolSize = 101 }));

        exception.Key.Should().Be("pool_min_conns");
        exception.Problems.Should().ContainSingle().Which.Should().Be(new ConfigurationProblem("pool_min_conns", Policy("pool_min_conns", "ConnectionFactoryOptions.MinPoolSize"),
            "the minimum pool size (101) is larger than the maximum (100)"));
    }

    [Fact]
    public void A_minimum_pool_size_from_the_options_above_the_settings_maximum_is_refused()
    {
        var exception = Assert.Throws<ConnectionConfigurationException>(() => Create("postgresql://u@localhost/db?pool_max_conns=5", new ConnectionFactoryOptions { MinPoolSize = 6 }));

        exception.Problems.Should().ContainSingle().Which.Message.Should().Be("the minimum pool size (6) is larger than the maximum (5)");
    }
}
