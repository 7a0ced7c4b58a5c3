using PgSecureConnect.Parsing;
using PgSecureConnect.Security;

namespace PgSecureConnect.Internal;

/// <summary>
/// Turns parsed settings into what a factory really uses: the <see cref="SslPolicy"/> applied, defaults from
/// <see cref="ConnectionFactoryOptions"/> filled in where the settings are silent, each with its source.
/// </summary>
internal static class EffectiveSettings
{
    public static ConnectionSettings Create(ConnectionSettings parsed, ConnectionFactoryOptions options)
    {
        var invalid = options.Retry.Validate().ToList();
        if (!Enum.IsDefined(options.SslPolicy))
        {
            // Configuration binding turns "3" into (SslPolicy)3: refuse it rather than let it fall through to a weaker mode.
            invalid.Insert(0, $"SslPolicy is {(int)options.SslPolicy}, which is not an SslPolicy; use RequireEncryption (the default), VerifyFull or AllowInsecure.");
        }

        if (invalid.Count > 0)
        {
            // Options are code, not configuration: misuse is an ArgumentException, all problems at once (as Polly does).
            throw new ArgumentException("The connection factory options are invalid:\n" + string.Join("\n", invalid.Select(m => "- " + m)), nameof(options));
        }

        var problems = new ProblemList();

        var settings = parsed.Clone();
        SslModeResolver.Resolve(settings, options.SslPolicy, problems);

        settings.ConnectTimeout ??= Fill("connect_timeout", options.Retry.ConnectTimeout, "RetryPolicy.ConnectTimeout");
        settings.MaxPoolSize ??= Fill("pool_max_conns", options.MaxPoolSize, "ConnectionFactoryOptions.MaxPoolSize");
        settings.MinPoolSize ??= Fill("pool_min_conns", options.MinPoolSize, "ConnectionFactoryOptions.MinPoolSize");
        settings.ConnectionIdleLifetime ??= Fill("pool_max_conn_idle_time", options.ConnectionIdleLifetime, "ConnectionFactoryOptions.ConnectionIdleLifetime");
        settings.ConnectionLifetime ??= Fill("pool_max_conn_lifetime", options.ConnectionLifetime, "ConnectionFactoryOptions.ConnectionLifetime");
        settings.ApplicationName ??= Fill("application_name", options.ApplicationName, "ConnectionFactoryOptions.ApplicationName");
        if (settings.MinPoolSize > (settings.MaxPoolSize ?? 100))
        {
            problems.Add("pool_min_conns", settings.GetSource("pool_min_conns"), $"the minimum pool size ({settings.MinPoolSize}) is larger than the maximum ({settings.MaxPoolSize ?? 100})");
        }

        problems.ThrowIfAny();
        return settings;

        T? Fill<T>(string keyword, T? value, string optionName)
        {
            if (value is not null)
            {
                settings.SetSource(keyword, new SettingSource(SettingSourceKind.Policy, keyword, optionName));
            }

            return value;
        }
    }
}
