namespace PgSecureConnect;

/// <summary>
/// One problem found while reading connection settings. Never contains a password. A record with properties rather
/// than a positional one, so a later version can add a property without breaking callers.
/// </summary>
public sealed record ConfigurationProblem
{
    /// <summary>Creates a problem.</summary>
    /// <param name="key">The variable, configuration key or URL parameter at fault.</param>
    /// <param name="source">Where the faulty value came from, when known.</param>
    /// <param name="message">What is wrong and how to fix it.</param>
    public ConfigurationProblem(string key, SettingSource? source, string message)
    {
        Key = key;
        Source = source;
        Message = message;
    }

    /// <summary>The variable, configuration key or URL parameter at fault, for example <c>DB_PORT</c> or <c>sslmode</c>.</summary>
    public string Key { get; init; }

    /// <summary>Where the faulty value came from, when known.</summary>
    public SettingSource? Source { get; init; }

    /// <summary>What is wrong and how to fix it.</summary>
    public string Message { get; init; }

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
