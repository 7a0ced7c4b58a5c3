namespace PgSecureConnect;

/// <summary>One problem found while reading connection settings. Never contains a password.</summary>
/// <param name="Key">The variable, configuration key or URL parameter at fault, for example <c>DB_PORT</c> or <c>sslmode</c>.</param>
/// <param name="Source">Where the faulty value came from, when known.</param>
/// <param name="Message">What is wrong and how to fix it.</param>
public sealed record ConfigurationProblem(string Key, SettingSource? Source, string Message)
{
    /// <summary>The problem as one line: the key, its source and the message.</summary>
    public override string ToString()
    {
        if (Source is null)
        {
            return $"{Key}: {Message}";
        }

        var origin = Source.ToString();
        return origin.Contains(Key, StringComparison.Ordinal) ? $"{origin}: {Message}" : $"{Key} ({origin}): {Message}";
    }
}
