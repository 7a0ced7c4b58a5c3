using Microsoft.Extensions.Configuration;

namespace PgSecureConnect.Parsing;

/// <summary>The values of one <c>.env</c> file as a configuration layer that remembers the file's path.</summary>
internal sealed class DotEnvConfigurationProvider(string path, IEnumerable<KeyValuePair<string, string>> values) : ConfigurationProvider, IConfigurationSource
{
    public string Path { get; } = path;

    public override void Load()
    {
        foreach (var (key, value) in values)
        {
            Data[key] = value;
        }
    }

    public IConfigurationProvider Build(IConfigurationBuilder builder) => this;
}
