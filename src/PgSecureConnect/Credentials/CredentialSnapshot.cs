namespace PgSecureConnect.Credentials;

/// <summary>The credentials in use at one moment. <see cref="ToString"/> never shows the password.</summary>
/// <param name="UserName">The user name, or <see langword="null"/> for the one in the settings.</param>
/// <param name="Password">The password or token, or <see langword="null"/> when none is configured (a <c>passfile</c> may still supply one).</param>
/// <param name="RefreshedAt">When these credentials were read or fetched.</param>
internal sealed record CredentialSnapshot(string? UserName, string? Password, DateTimeOffset RefreshedAt)
{
    public bool SameAs(CredentialSnapshot? other) => other is not null && other.UserName == UserName && other.Password == Password;

    public override string ToString() => $"user {UserName ?? "(settings)"}, password {(Password is null ? "none" : "(set, not shown)")}, refreshed {RefreshedAt:O}";
}
