using System.Runtime.CompilerServices;
using DotNet.Testcontainers.Configurations;

namespace PgSecureConnect.ContainerTests.Infrastructure;

internal static class TestcontainersSetup
{
    /// <summary>
    /// Before any container of this assembly is built:
    /// no resource reaper (Ryuk): it is an image of its own, which an engine without registry access cannot pull; the
    /// fixtures dispose of their containers, and .ci/run removes any left behind (label <c>org.testcontainers=true</c>);
    /// and the published ports are reached on 127.0.0.1 unless TESTCONTAINERS_HOST_OVERRIDE says otherwise: where the
    /// tests themselves run in a container (a <c>/.dockerenv</c> file, as on these CI machines), Testcontainers would
    /// name the bridge gateway (172.17.0.1) instead, a non-loopback address and so a remote server for the SslPolicy.
    /// </summary>
    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries", Justification = "A test assembly: the setting must precede the README example's fixture, which stays free of test plumbing.")]
    internal static void Configure()
    {
        TestcontainersSettings.ResourceReaperEnabled = false;
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("TESTCONTAINERS_HOST_OVERRIDE")))
        {
            TestcontainersSettings.DockerHostOverride = "127.0.0.1";
        }
    }
}
