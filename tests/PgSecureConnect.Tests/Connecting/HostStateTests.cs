using Npgsql;
using PgSecureConnect.Connecting;

namespace PgSecureConnect.Tests.Connecting;

/// <summary>What was last seen of one server.</summary>
public sealed class HostStateTests : IDisposable
{
    private readonly NpgsqlDataSource _dataSource = NpgsqlDataSource.Create("Host=db.internal;Username=u");
    private readonly HostState _host;

    public HostStateTests() => _host = new HostState(new ServerEndpoint("db.internal", 5433), _ => _dataSource);

    public void Dispose() => _dataSource.Dispose();

    [Fact]
    public void A_new_server_is_online_of_unknown_role_and_named_after_itself()
    {
        _host.IsOffline.Should().BeFalse();
        _host.Role.Should().Be(ServerRole.Unknown);
        _host.LostRaceAt.Should().Be(0);
        _host.PoolName.Should().Be("db.internal:5433");
        _host.DataSource.Should().BeSameAs(_dataSource);
    }

    [Fact]
    public void Going_offline_and_online_tells_whether_it_changed()
    {
        _host.TryMarkOffline().Should().BeTrue();
        _host.TryMarkOffline().Should().BeFalse();
        _host.IsOffline.Should().BeTrue();

        _host.TryMarkOnline().Should().BeTrue();
        _host.TryMarkOnline().Should().BeFalse();
        _host.IsOffline.Should().BeFalse();
    }

    [Fact]
    public void A_race_lost_at_timestamp_zero_still_counts_as_lost()
    {
        _host.MarkLostRace(0);

        _host.LostRaceAt.Should().NotBe(0);

        _host.ClearLostRace();
        _host.LostRaceAt.Should().Be(0);
    }

    [Fact]
    public void A_certificate_rejection_is_reported_once()
    {
        _host.RecordCertificateRejection("it expired");

        _host.TakeCertificateRejection().Should().Be("it expired");
        _host.TakeCertificateRejection().Should().BeNull("a later attempt that fails for another reason never reports an earlier attempt's reason");
    }
}
