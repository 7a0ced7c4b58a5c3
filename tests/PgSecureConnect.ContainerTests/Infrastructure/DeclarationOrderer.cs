using Xunit.Abstractions;
using Xunit.Sdk;

namespace PgSecureConnect.ContainerTests.Infrastructure;

/// <summary>Runs a class's tests in the order they are declared (for scenarios that change shared containers).</summary>
public sealed class DeclarationOrderer : ITestCaseOrderer
{
    public const string TypeName = "PgSecureConnect.ContainerTests.Infrastructure.DeclarationOrderer";

    public const string AssemblyName = "PgSecureConnect.ContainerTests";

    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases)
        where TTestCase : ITestCase
        => testCases.OrderBy(c => c.TestMethod.Method.ToRuntimeMethod().MetadataToken);
}
