using System.Diagnostics.CodeAnalysis;

namespace PgSecureConnect.Hosting.Tests.Infrastructure;

/// <summary>Every test that needs PostgreSQL joins this collection: <c>[Collection(TestBedCollection.Name)]</c>.</summary>
// Not run in parallel with other collections: some tests set real environment variables (and restore them).
[CollectionDefinition(Name, DisableParallelization = true)]
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "An xunit collection definition.")]
public sealed class TestBedCollection : ICollectionFixture<TestBedFixture>
{
    public const string Name = "PostgreSQL test bed (hosting)";
}
