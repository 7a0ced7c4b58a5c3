namespace PgSecureConnect.Internal;

/// <summary>Collects every configuration problem so they can be reported in one go.</summary>
internal sealed class ProblemList
{
    private List<ConfigurationProblem>? _problems;

    public bool HasProblems => _problems is { Count: > 0 };

    public int Count => _problems?.Count ?? 0;

    public void Add(string key, SettingSource? source, string message)
        => (_problems ??= []).Add(new ConfigurationProblem(key, source, message));

    /// <summary>Things worth a warning that are not errors; they end up in <see cref="ConnectionSettings.Warnings"/>.</summary>
    public List<string> Warnings { get; } = [];

    public void ThrowIfAny()
    {
        if (HasProblems)
        {
            throw new ConnectionConfigurationException(_problems!.ToArray());
        }
    }
}
