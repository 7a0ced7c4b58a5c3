using PgSecureConnect.Internal;
using PgSecureConnect.Security;

namespace PgSecureConnect.Connecting;

/// <summary>
/// Turns parsed settings into what a factory really uses: the <see cref="SslPolicy"/> applied, defaults from
/// <see cref="ConnectionFactoryOptions"/> filled in where the settings are silent, each with its source.
/// </summary>
internal static class EffectiveSettings
{
    /// <param name="parsed">The settings as read.</param>
    /// <param name="options">The caller's policies and defaults.</param>
    /// <param name="credentialStatus">Describes the credentials in use, for <see cref="ConnectionSettings.Describe"/>.</param>
    public static ConnectionSettings Create(ConnectionSettings parsed, ConnectionFactoryOptions options, Func<string?>? credentialStatus = null)
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

        var ssl = SslModeResolver.Resolve(parsed, options.SslPolicy, problems);
        var settings = parsed.ToBuilder();
        settings.SslMode = ssl.Mode;
        settings.RequireAuth = ssl.RequireAuth;
        if (ssl.ModeSource is { } modeSource)
        {
            settings.SetSource(LibpqKeyword.SslMode, modeSource);
        }

        if (ssl.RequireAuthSource is { } requireAuthSource)
        {
            settings.SetSource(LibpqKeyword.RequireAuth, requireAuthSource);
        }

        settings.CredentialStatus = credentialStatus;

        settings.ConnectTimeout ??= Fill(LibpqKeyword.ConnectTimeout, options.Retry.ConnectTimeout, "RetryPolicy.ConnectTimeout");
        settings.MaxPoolSize ??= Fill(LibpqKeyword.PoolMaxConns, options.MaxPoolSize, "ConnectionFactoryOptions.MaxPoolSize");
        settings.MinPoolSize ??= Fill(LibpqKeyword.PoolMinConns, options.MinPoolSize, "ConnectionFactoryOptions.MinPoolSize");
        settings.ConnectionIdleLifetime ??= Fill(LibpqKeyword.PoolMaxConnIdleTime, options.ConnectionIdleLifetime, "ConnectionFactoryOptions.ConnectionIdleLifetime");
        settings.ConnectionLifetime ??= Fill(LibpqKeyword.PoolMaxConnLifetime, options.ConnectionLifetime, "ConnectionFactoryOptions.ConnectionLifetime");
        settings.ApplicationName ??= Fill(LibpqKeyword.ApplicationName, options.ApplicationName, "ConnectionFactoryOptions.ApplicationName");
        SettingRules.CheckTlsCombinations(settings.SslMode, settings.SslNegotiation, settings.ChannelBinding, isEffectiveMode: true, settings.GetSource, problems);
        SettingRules.CheckPoolSizes(settings.MinPoolSize, settings.MaxPoolSize, isEffective: true, settings.GetSource, problems);
        problems.ThrowIfAny();
        return settings.Build();

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
