using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace PgSecureConnect.Hosting.Tests.Infrastructure;

/// <summary>
/// A real Generic Host without the defaults (no process environment, no appsettings from the test directory): each
/// test says exactly what configuration exists. Its content root is a fresh directory, deleted on dispose.
/// </summary>
internal sealed class TestHost : IDisposable
{
    public TestHost(IDictionary<string, string?>? configuration = null)
    {
        ContentRoot = Directory.CreateTempSubdirectory("pgsc-hosting-").FullName;
        Builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = ContentRoot, EnvironmentName = "Test" });
        if (configuration is not null)
        {
            Builder.Configuration.AddInMemoryCollection(configuration);
        }
    }

    public string ContentRoot { get; }

    public HostApplicationBuilder Builder { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(ContentRoot, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
