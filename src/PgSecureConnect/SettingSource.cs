namespace PgSecureConnect;

/// <summary>
/// Where one connection setting came from, for example the parameter <c>sslmode</c> of the URL in the
/// environment variable <c>DATABASE_URL</c>. Never holds a value, only its origin, so it is safe to log.
/// </summary>
public sealed record SettingSource
{
    /// <summary>Creates a source. A record with properties rather than a positional one, so a later version can add a property without breaking callers.</summary>
    /// <param name="kind">The kind of source.</param>
    /// <param name="name">The variable, key or URL parameter that held the value.</param>
    /// <param name="location">Where that name lives, or <see langword="null"/>.</param>
    public SettingSource(SettingSourceKind kind, string name, string? location = null)
    {
        Kind = kind;
        Name = name;
        Location = location;
    }

    /// <summary>The kind of source.</summary>
    public SettingSourceKind Kind { get; init; }

    /// <summary>The variable, key or URL parameter that held the value, for example <c>DB_HOST</c>.</summary>
    public string Name { get; init; }

    /// <summary>
    /// Where <see cref="Name"/> lives: the path of the <c>.env</c> or secret file, or for a URL parameter the description
    /// of the source of the URL itself (for example <c>environment variable DATABASE_URL</c>). <see langword="null"/>
    /// when <see cref="Name"/> says it all.
    /// </summary>
    public string? Location { get; init; }

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
