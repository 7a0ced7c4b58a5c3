using Microsoft.Extensions.Configuration;

namespace PgSecureConnect.Parsing;

/// <summary>
/// Stands in for the process environment in tests: a dictionary read as environment variables, so tests never touch
/// the real environment and can run in parallel (as Microsoft.Extensions.Configuration.EnvironmentVariables does).
/// </summary>
internal sealed class EnvironmentDictionaryConfigurationProvider(IReadOnlyDictionary<string, string?> variables) : ConfigurationProvider, IConfigurationSource
{
    public override void Load()
    {
        foreach (var (key, value) in variables)
        {
            Data[key] = value;
        }
    }

    public IConfigurationProvider Build(IConfigurationBuilder builder) => this;
}
