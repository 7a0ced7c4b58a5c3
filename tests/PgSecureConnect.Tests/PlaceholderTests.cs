namespace PgSecureConnect.Tests;

public class PlaceholderTests
{
    [Fact]
    public void Works() => typeof(Placeholder).Should().NotBeNull();
}
