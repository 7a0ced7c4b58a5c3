namespace PgSecureConnect;

/// <summary>
/// The connection settings are missing, malformed, contradictory or weaker than the <see cref="SslPolicy"/> allows.
/// The message lists every problem found, one per line, each naming the key at fault, where its value came from and
/// how to fix it. No message ever contains a password or a URL that holds one.
/// </summary>
public sealed class ConnectionConfigurationException : Exception
{
    /// <summary>Creates the exception for a single problem.</summary>
    /// <param name="message">The problem and how to fix it; must not contain secrets.</param>
    public ConnectionConfigurationException(string message)
        : this([new ConfigurationProblem("settings", null, message)])
    {
    }

    /// <summary>Creates the exception for a single problem.</summary>
    /// <param name="message">The problem and how to fix it; must not contain secrets.</param>
    /// <param name="innerException">The cause.</param>
    public ConnectionConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [new ConfigurationProblem("settings", null, message)];
        Key = "settings";
    }

    /// <summary>Creates an empty exception; prefer the constructors that say what is wrong.</summary>
    public ConnectionConfigurationException()
        : this("The PostgreSQL connection settings are invalid.")
    {
    }

    /// <summary>Creates the exception for the problems found.</summary>
    /// <param name="problems">Every problem found; at least one.</param>
    public ConnectionConfigurationException(IReadOnlyList<ConfigurationProblem> problems)
        : base(FormatMessage(problems))
    {
        Problems = problems;
        Key = problems.Count > 0 ? problems[0].Key : null;
    }

    /// <summary>The variable, configuration key or URL parameter of the first problem, for example <c>DB_PORT</c>.</summary>
    public string? Key { get; }

    /// <summary>Every problem found, in the order found.</summary>
    public IReadOnlyList<ConfigurationProblem> Problems { get; }

    private static string FormatMessage(IReadOnlyList<ConfigurationProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (problems.Count == 1)
        {
            return "The PostgreSQL connection settings are invalid: " + problems[0];
        }

        var lines = new System.Text.StringBuilder("The PostgreSQL connection settings are invalid (")
            .Append(problems.Count).Append(" problems):");
        foreach (var problem in problems)
        {
            lines.Append('\n').Append("- ").Append(problem);
        }

        return lines.ToString();
    }
}
