using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;

namespace PgSecureConnect.Parsing;

/// <summary>
/// A read-only view of named variables (the environment, a <c>.env</c> file, a dictionary or an
/// <see cref="IConfiguration"/>) that also tells where each value came from. An empty value counts as not set.
/// </summary>
internal sealed class VariableSource
{
    private readonly Func<string, (string Value, SettingSource Source)?> _lookup;

    private VariableSource(Func<string, (string Value, SettingSource Source)?> lookup, string description)
    {
        _lookup = lookup;
        Description = description;
    }

    /// <summary>Where the variables were looked for, for "nothing found" messages, e.g. <c>the environment and /app/.env</c>.</summary>
    public string Description { get; }

    public static VariableSource FromDictionary(IReadOnlyDictionary<string, string?> variables, SettingSourceKind kind, string description = "the variables passed in")
        => new(name => variables.TryGetValue(name, out var value) && !string.IsNullOrEmpty(value)
            ? (value, new SettingSource(kind, name))
            : null, description);

    /// <summary>
    /// Reads through <paramref name="configuration"/>. When it is a configuration root, the provider that supplied a
    /// value decides the source: environment variables, a <c>.env</c> file, or other configuration.
    /// </summary>
    public static VariableSource FromConfiguration(IConfiguration configuration, string description, string? keyPrefix = null)
    {
        var providers = (configuration as IConfigurationRoot)?.Providers.Reverse().ToArray();
        return new VariableSource(name =>
        {
            var key = keyPrefix + name;
            var value = configuration[key];
            return string.IsNullOrEmpty(value) ? null : (value, SourceOf(key));
        }, description);

        SettingSource SourceOf(string key)
        {
            foreach (var provider in providers ?? [])
            {
                if (provider.TryGet(key, out var candidate) && !string.IsNullOrEmpty(candidate))
                {
                    return provider switch
                    {
                        EnvironmentVariablesConfigurationProvider or EnvironmentDictionaryConfigurationProvider => new SettingSource(SettingSourceKind.EnvironmentVariable, key),
                        DotEnvConfigurationProvider dotEnv => new SettingSource(SettingSourceKind.DotEnvFile, key, dotEnv.Path),
                        _ => new SettingSource(SettingSourceKind.Configuration, key),
                    };
                }
            }

            return new SettingSource(SettingSourceKind.Configuration, key);
        }
    }

    public bool TryGet(string name, out string value, out SettingSource source)
    {
        if (_lookup(name) is { } found)
        {
            (value, source) = found;
            return true;
        }

        value = string.Empty;
        source = null!;
        return false;
    }
}
