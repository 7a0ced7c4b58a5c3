namespace PgSecureConnect.Testing.Internal;

/// <summary>Where <see cref="PostgresInstallation.Find()"/> looks; tests replace the environment and the Debian directory.</summary>
internal sealed class InstallationSearch
{
    public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

    public string LibPostgresqlDirectory { get; init; } = "/usr/lib/postgresql";
}
