namespace PgSecureConnect.IntegrationTests.Infrastructure;

/// <summary>
/// Sets real process environment variables and restores them on dispose. Only for tests of what reads the real
/// environment (Npgsql does); the integration tests run one at a time in <see cref="TestBedCollection"/>, so no other
/// test sees these values.
/// </summary>
public sealed class EnvironmentVariableScope : IDisposable
{
    private readonly Dictionary<string, string?> _saved = new(StringComparer.Ordinal);

    public EnvironmentVariableScope(IReadOnlyDictionary<string, string?> variables)
    {
        foreach (var (name, value) in variables)
        {
            _saved[name] = Environment.GetEnvironmentVariable(name);
            Environment.SetEnvironmentVariable(name, value);
        }
    }

    public void Dispose()
    {
        foreach (var (name, value) in _saved)
        {
            Environment.SetEnvironmentVariable(name, value);
        }
    }
}
