using PgSecureConnect.Security;

namespace PgSecureConnect.Tests.Security;

public class LoopbackAddressTests
{
    [Theory]
    [InlineData("localhost", true)]
    [InlineData("LOCALHOST", true)]
    [InlineData("db.localhost", false)]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.255.0.9", true)]
    [InlineData("::1", true)]
    [InlineData("[::1]", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("0:0:0:0:0:0:0:1", true)]
    [InlineData("127.1", false)]
    [InlineData("128.0.0.1", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("10.0.0.1", false)]
    [InlineData("localhost.example.com", false)]
    [InlineData("mylocalhost", false)]
    [InlineData("fe80::1", false)]
    [InlineData("db.example.com", false)]
    [InlineData("", false)]
    [InlineData("[", false)]
    [InlineData("[]", false)]
    [InlineData("[127.0.0.1]", true)]
    [InlineData("[::ffff:127.1.2.3]", true)]
    [InlineData("::ffff:127.0.0.2", true)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("x::1]", false)]
    [InlineData("[::1", false)]
    public void Only_literal_loopback_counts(string host, bool expected)
        => LoopbackAddress.IsLoopback(host).Should().Be(expected);
}
