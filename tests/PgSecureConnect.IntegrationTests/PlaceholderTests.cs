namespace PgSecureConnect.IntegrationTests;

public class PlaceholderTests
{
    [Fact]
    public void Works() => typeof(PgSecureConnect.Testing.PostgresTestBedPlaceholder).Should().NotBeNull();
}
