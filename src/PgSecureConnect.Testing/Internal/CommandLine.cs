using System.Globalization;
using System.Text;

namespace PgSecureConnect.Testing.Internal;

/// <summary>A program and its argument list (never a shell string), plus extra environment variables.</summary>
internal sealed class CommandLine
{
    public CommandLine(string fileName, params string[] arguments)
        : this(fileName, (IEnumerable<string>)arguments)
    {
    }

    public CommandLine(string fileName, IEnumerable<string> arguments)
    {
        FileName = fileName;
        Arguments = arguments.ToList();
    }

    public string FileName { get; }

    public IReadOnlyList<string> Arguments { get; }

    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    public string? WorkingDirectory { get; set; }

    /// <summary>This command run through <c>runuser -u USER --</c>.</summary>
    public CommandLine AsUser(string user)
    {
        var wrapped = new CommandLine("runuser", new[] { "-u", user, "--", FileName }.Concat(Arguments));
        CopySettingsTo(wrapped);
        return wrapped;
    }

    /// <summary>This command run inside a network namespace (<c>ip netns exec NAME</c>).</summary>
    public CommandLine InNetworkNamespace(string name)
    {
        var wrapped = new CommandLine("ip", new[] { "netns", "exec", name, FileName }.Concat(Arguments));
        CopySettingsTo(wrapped);
        return wrapped;
    }

    private void CopySettingsTo(CommandLine other)
    {
        foreach (var pair in Environment)
        {
            other.Environment[pair.Key] = pair.Value;
        }

        other.WorkingDirectory = WorkingDirectory;
    }

    /// <summary>For error messages only: a readable rendering, passwords in the environment left out.</summary>
    public override string ToString()
    {
        var builder = new StringBuilder(FileName);
        foreach (var argument in Arguments)
        {
            builder.Append(' ');
            var needsQuotes = argument.Length == 0 || argument.Any(c => char.IsWhiteSpace(c) || c == '\'' || c == '"');
            builder.Append(needsQuotes ? string.Create(CultureInfo.InvariantCulture, $"'{argument.Replace("'", "'\\''", StringComparison.Ordinal)}'") : argument);
        }

        return builder.ToString();
    }
}
