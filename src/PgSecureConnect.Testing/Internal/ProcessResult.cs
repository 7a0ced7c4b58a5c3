namespace PgSecureConnect.Testing.Internal;

/// <summary>What a finished child process left behind.</summary>
internal sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>stderr, or stdout when stderr is empty (some tools print errors to stdout).</summary>
    public string Diagnostics => string.IsNullOrWhiteSpace(StandardError) ? StandardOutput.Trim() : StandardError.Trim();
}
