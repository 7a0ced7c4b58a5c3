using Npgsql;
using PgSecureConnect.Connecting;

namespace PgSecureConnect.Tests.Connecting;

/// <summary>libpq's target_session_attrs rules: which kind of server satisfies which target outright, and which targets fall back.</summary>
public sealed class SessionTargetCheckTests
{
    [Theory]
    [InlineData(TargetSessionAttributes.Any, true, true, true, true)]
    [InlineData(TargetSessionAttributes.ReadWrite, false, true, false, false)]
    [InlineData(TargetSessionAttributes.ReadOnly, false, false, true, true)]
    [InlineData(TargetSessionAttributes.Primary, false, true, true, false)]
    [InlineData(TargetSessionAttributes.Standby, false, false, false, true)]
    [InlineData(TargetSessionAttributes.PreferStandby, false, false, false, true)]
    [InlineData(TargetSessionAttributes.PreferPrimary, false, true, true, false)]
    [InlineData((TargetSessionAttributes)99, false, false, false, false)]
    public void Which_server_satisfies_a_target(TargetSessionAttributes target, bool unknown, bool primary, bool readOnlyPrimary, bool standby)
    {
        SessionTargetCheck.Satisfies(ServerRole.Unknown, target).Should().Be(unknown, "unknown");
        SessionTargetCheck.Satisfies(ServerRole.Primary, target).Should().Be(primary, "primary");
        SessionTargetCheck.Satisfies(ServerRole.ReadOnlyPrimary, target).Should().Be(readOnlyPrimary, "read-only primary");
        SessionTargetCheck.Satisfies(ServerRole.Standby, target).Should().Be(standby, "standby");
    }

    [Theory]
    [InlineData(TargetSessionAttributes.Any, false)]
    [InlineData(TargetSessionAttributes.ReadWrite, false)]
    [InlineData(TargetSessionAttributes.ReadOnly, false)]
    [InlineData(TargetSessionAttributes.Primary, false)]
    [InlineData(TargetSessionAttributes.Standby, false)]
    [InlineData(TargetSessionAttributes.PreferStandby, true)]
    [InlineData(TargetSessionAttributes.PreferPrimary, true)]
    public void Only_the_prefer_targets_fall_back_to_any_server(TargetSessionAttributes target, bool fallback)
        => SessionTargetCheck.HasFallback(target).Should().Be(fallback);

    [Fact]
    public void Roles_are_described_in_the_words_of_the_attempt_report()
    {
        SessionTargetCheck.Describe(ServerRole.Primary).Should().Be("primary");
        SessionTargetCheck.Describe(ServerRole.ReadOnlyPrimary).Should().Be("read-only primary");
        SessionTargetCheck.Describe(ServerRole.Standby).Should().Be("standby");
        SessionTargetCheck.Describe(ServerRole.Unknown).Should().Be("server of unknown role");
    }
}
