namespace PgSecureConnect;

/// <summary>
/// A user name and password (or access token used as password) returned by
/// <see cref="ConnectionFactoryOptions.CredentialProvider"/>. <see cref="ToString"/> never shows the password.
/// </summary>
public sealed class DatabaseCredentials
{
    /// <summary>The user name, or <see langword="null"/> to keep the one from the connection settings.</summary>
    public string? UserName { get; init; }

    /// <summary>The password or access token. Never logged or shown.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public required string Password { get; init; }

    /// <summary>The user name, and that a password is set; never the password.</summary>
    /// <returns>A redacted description.</returns>
    public override string ToString() => $"user {UserName ?? "(from the settings)"}, password (set, not shown)";
}
