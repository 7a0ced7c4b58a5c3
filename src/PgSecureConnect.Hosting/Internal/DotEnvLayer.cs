using Microsoft.Extensions.Configuration;
using PgSecureConnect.Parsing;
using PgSecureConnect.Internal;

namespace PgSecureConnect.Hosting.Internal;

/// <summary>
/// Puts the <c>.env</c> file underneath the host's configuration, as <see cref="ConnectionFactory.FromEnvironment(ConnectionFactoryOptions?)"/>
/// reads it: every real source (appsettings, user secrets, environment, command line) wins over the file, and the
/// file is never written into the process environment.
/// </summary>
internal static class DotEnvLayer
{
    /// <summary>The configuration with <c>.env</c> underneath, the configuration itself when there is no file, or <see langword="null"/> after a problem.</summary>
    public static IConfiguration? Below(IConfiguration configuration, string? explicitPath, string directory, ProblemList problems)
    {
        var path = Path.GetFullPath(explicitPath ?? Path.Combine(directory, ".env"), directory);
        var before = problems.Count;
        var values = DotEnvFile.Read(path, name => configuration[name], problems);
        if (values is null && explicitPath is not null)
        {
            problems.Add("EnvFilePath", new SettingSource(SettingSourceKind.Configuration, HostingDefaults.SectionName + ":EnvFilePath"),
                $"the .env file '{path}' does not exist; create it, fix the path, or leave EnvFilePath unset to use {path} only when it exists");
        }

        if (problems.Count > before)
        {
            return null;
        }

        if (values is null)
        {
            return configuration;
        }

        return new ConfigurationBuilder()
            .Add(new DotEnvConfigurationProvider(path, values))
            .AddConfiguration(configuration, shouldDisposeConfiguration: false)
            .Build();
    }
}
