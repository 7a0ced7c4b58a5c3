using System.Globalization;
using System.Text;
using Npgsql;

namespace PgSecureConnect;

/// <summary>
/// A unit of work run through <see cref="ConnectionFactoryUnitOfWorkExtensions"/> failed on every try the
/// <see cref="RetryPolicy"/> allowed (its attempt limit or its overall timeout). The message lists each try (server,
/// step, error, time); it never contains a password. A failure that is not worth retrying (a constraint violation, a
/// syntax error, a refused login, an exception of the work itself) is not wrapped in this exception but thrown as it is.
/// Derives from <see cref="NpgsqlException"/>, like <see cref="ConnectionFailedException"/>.
/// </summary>
public sealed class UnitOfWorkFailedException : NpgsqlException
{
    /// <summary>Creates the exception from the tries made.</summary>
    /// <param name="tries">Every failed try, in order; at least one.</param>
    /// <param name="elapsed">How long the unit took in all.</param>
    /// <param name="reason">Why the factory stopped trying, for example "the overall timeout of 30 s ran out".</param>
    public UnitOfWorkFailedException(IReadOnlyList<UnitOfWorkTry> tries, TimeSpan elapsed, string reason)
        : base(FormatMessage(tries, elapsed, reason), tries.Count > 0 ? tries[^1].Exception : null)
    {
        Tries = tries;
        Elapsed = elapsed;
    }

    /// <summary>Creates an exception without tries; prefer the constructor that lists them.</summary>
    public UnitOfWorkFailedException()
        : this([], TimeSpan.Zero, "no try was made")
    {
    }

    /// <summary>Creates an exception without tries; prefer the constructor that lists them.</summary>
    /// <param name="message">The message; must not contain secrets.</param>
    public UnitOfWorkFailedException(string message)
        : base(message)
    {
        Tries = [];
    }

    /// <summary>Creates an exception without tries; prefer the constructor that lists them.</summary>
    /// <param name="message">The message; must not contain secrets.</param>
    /// <param name="innerException">The cause.</param>
    public UnitOfWorkFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
        Tries = [];
    }

    /// <summary>Every failed try, in order (verification tries included).</summary>
    public IReadOnlyList<UnitOfWorkTry> Tries { get; }

    /// <summary>How long the unit took in all.</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>Whether running the unit again later may succeed: true when every try failed for a transient reason.</summary>
    public override bool IsTransient => Tries.Count > 0 && Tries.All(t => t.IsTransient);

    private static string FormatMessage(IReadOnlyList<UnitOfWorkTry> tries, TimeSpan elapsed, string reason)
    {
        var servers = tries.Where(t => t.Server is not null).Select(t => t.Server).Distinct().Count();
        var text = new StringBuilder().Append(CultureInfo.InvariantCulture,
            $"A unit of work failed: {tries.Count} tr{(tries.Count == 1 ? "y" : "ies")} on {servers} server{(servers == 1 ? string.Empty : "s")} failed in {elapsed.TotalSeconds:F1} s; {reason}.");
        foreach (var attempt in tries)
        {
            text.Append("\n- ").Append(attempt);
        }

        return text.ToString();
    }
}
