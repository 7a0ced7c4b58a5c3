namespace PgSecureConnect;

/// <summary>
/// Where one connection setting came from, for example the parameter <c>sslmode</c> of the URL in the
/// environment variable <c>DATABASE_URL</c>. Never holds a value, only its origin, so it is safe to log.
/// </summary>
/// <param name="Kind">The kind of source.</param>
/// <param name="Name">The variable, key or URL parameter that held the value, for example <c>DB_HOST</c>.</param>
/// <param name="Location">
/// Where that name lives: the path of the <c>.env</c> or secret file, or for a URL parameter the description of the
/// source of the URL itself (for example <c>environment variable DATABASE_URL</c>). <see langword="null"/> when
/// <paramref name="Name"/> says it all.
/// </param>
public sealed record SettingSource(SettingSourceKind Kind, string Name, string? Location = null)
{
    /// <summary>A human-readable description such as <c>DB_HOST in /app/.env</c>.</summary>
    public override string ToString() => Kind switch
    {
        SettingSourceKind.Default => Location ?? $"default for {Name}",
        SettingSourceKind.Url => Location is null ? $"URL parameter {Name}" : $"{Name} in {Location}",
        SettingSourceKind.EnvironmentVariable => $"environment variable {Name}",
        SettingSourceKind.DotEnvFile => Location is null ? $"{Name} in .env" : $"{Name} in {Location}",
        SettingSourceKind.Configuration => $"configuration key {Name}",
        SettingSourceKind.Variables => $"variable {Name}",
        SettingSourceKind.SecretFile => Location is null ? $"secret file named by {Name}" : $"file {Location} (named by {Name})",
        SettingSourceKind.Policy => Location is null ? $"{Name} (chosen by policy)" : $"{Name} chosen by {Location}",
        _ => Name,
    };
}
