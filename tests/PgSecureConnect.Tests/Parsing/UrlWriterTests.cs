using PgSecureConnect.Parsing;

namespace PgSecureConnect.Tests.Parsing;

public class UrlWriterTests
{
    private const string Sentinel = "S3nt1nel-Pa55w0rd";

    [Theory]
    [InlineData("host=h sslcertmode=disable", "postgresql://h:5432?sslcertmode=disable")]
    [InlineData("host=h sslcertmode=allow", "postgresql://h:5432")]
    [InlineData("host=h keepalives=1", "postgresql://h:5432?keepalives=1")]
    [InlineData("host=h keepalives=0", "postgresql://h:5432?keepalives=0")]
    [InlineData("host=h pgbouncer=true", "postgresql://h:5432?pgbouncer=true")]
    [InlineData("host=h pgbouncer=false", "postgresql://h:5432")]
    [InlineData("host=h pool_timeout=0", "postgresql://h:5432?pool_timeout=0")]
    [InlineData("host=h pool_timeout=90s", "postgresql://h:5432?pool_timeout=90")]
    [InlineData("host=h pool_timeout=1500ms", "postgresql://h:5432?pool_timeout=1500ms")]
    [InlineData("host=h1,h2 port=5432,5433 dbname=db", "postgresql://h1:5432,h2:5433/db")]
    public void Writes_each_setting_as_libpq_reads_it(string text, string expected)
        => ConnectionSettings.FromUrl(text).ToUrl().Should().Be(expected);

    [Fact]
    public void Described_values_list_servers_database_and_every_set_parameter()
    {
        var settings = ConnectionSettings.FromUrl($"postgresql://app:{Sentinel}@h1:5432,h2:5433/orders?keepalives=0&pgbouncer=true");

        UrlWriter.DescribedValues(settings).Should().Equal(
            ("host", "h1,h2"),
            ("port", "5432,5433"),
            ("dbname", "orders"),
            ("user", "app"),
            ("password", Sentinel),
            ("keepalives", "0"),
            ("pgbouncer", "true"));
    }

    [Fact]
    public void The_password_is_written_only_when_asked_for()
    {
        var settings = ConnectionSettings.FromUrl($"postgresql://app:{Sentinel}@h/db?sslpassword={Sentinel}");

        UrlWriter.Write(settings, UrlWriter.PasswordStyle.Omit).Should().Be("postgresql://app@h:5432/db");
        UrlWriter.Write(settings, UrlWriter.PasswordStyle.Mask).Should().Be("postgresql://app:***@h:5432/db?sslpassword=***");
        UrlWriter.Write(settings, UrlWriter.PasswordStyle.Include).Should().Be($"postgresql://app:{Sentinel}@h:5432/db?sslpassword={Sentinel}");
    }
}
