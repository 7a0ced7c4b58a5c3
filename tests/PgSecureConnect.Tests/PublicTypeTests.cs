namespace PgSecureConnect.Tests;

/// <summary>
/// The public API itself is tracked by Microsoft.CodeAnalysis.PublicApiAnalyzers (PublicAPI.Shipped.txt and
/// PublicAPI.Unshipped.txt beside each packed project); this keeps the one rule that analyzer does not check.
/// </summary>
public class PublicTypeTests
{
    [Theory]
    [InlineData(typeof(ConnectionFactory))]
    [InlineData(typeof(PgSecureConnect.Hosting.PgSecureConnectHostingOptions))]
    public void Public_types_are_sealed_or_static_unless_abstract_or_interfaces(Type ofAssembly)
    {
        var open = ofAssembly.Assembly.GetExportedTypes()
            .Where(t => t.IsClass && !t.IsSealed && !t.IsAbstract)
            .Select(t => t.FullName);

        open.Should().BeEmpty();
    }
}
