namespace PgSecureConnect;

/// <summary>Where a connection setting came from.</summary>
public enum SettingSourceKind
{
    /// <summary>A documented default filled in by PgSecureConnect (for example port 5432).</summary>
    Default,

    /// <summary>A parameter inside a connection URL or keyword/value string.</summary>
    Url,

    /// <summary>A variable of the process environment.</summary>
    EnvironmentVariable,

    /// <summary>A variable read from a <c>.env</c> file.</summary>
    DotEnvFile,

    /// <summary>A key of an <see cref="Microsoft.Extensions.Configuration.IConfiguration"/>.</summary>
    Configuration,

    /// <summary>A dictionary passed to <c>FromVariables</c>.</summary>
    Variables,

    /// <summary>A file named by a <c>*_FILE</c> variable (Docker and Kubernetes secrets).</summary>
    SecretFile,

    /// <summary>A value chosen by the <see cref="SslPolicy"/> or by <see cref="ConnectionFactoryOptions"/>.</summary>
    Policy,
}
