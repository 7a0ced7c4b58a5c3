using System.Reflection;
using System.Runtime.Versioning;

namespace PgSecureConnect.Tests;

/// <summary>
/// This project runs twice, for net8.0 and net10.0 (PgSecureConnect.Tests.csproj): each run must test the library's
/// build for that framework, on that framework's runtime (net8.0: self-contained, with the .NET 8 runtime pack).
/// </summary>
public class TargetFrameworkTests
{
#if NET10_0
    private const string Framework = ".NETCoreApp,Version=v10.0";
    private const int RuntimeMajor = 10;
#else
    private const string Framework = ".NETCoreApp,Version=v8.0";
    private const int RuntimeMajor = 8;
#endif

    [Fact]
    public void The_library_under_test_is_its_build_for_this_framework()
    {
        typeof(ConnectionFactory).Assembly.GetCustomAttribute<TargetFrameworkAttribute>()!.FrameworkName.Should().Be(Framework);
    }

    [Fact]
    public void The_tests_run_on_this_frameworks_runtime()
    {
        Environment.Version.Major.Should().Be(RuntimeMajor, RuntimeInformationText());
    }

    private static string RuntimeInformationText() => System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription;
}
