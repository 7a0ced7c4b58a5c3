using System.Diagnostics;
using PgSecureConnect.IntegrationTests.Infrastructure;
using PgSecureConnect.Testing;
using Xunit.Abstractions;

namespace PgSecureConnect.IntegrationTests.UnitOfWork;

[Collection(TestBedCollection.Name)]
public sealed class FailoverUnitOfWorkTests(TestBedFixture fixture, ITestOutputHelper output)
{
    private const int Writers = 16;
    private static readonly TimeSpan PromotionDelay = TimeSpan.FromSeconds(1);

    /// <summary>Long enough to ride out the promotion: the opens keep looking for a primary, briefly, until there is one.</summary>
    internal static readonly RetryPolicy RidingOutPolicy = new()
    {
        MaxAttempts = 100,
        BaseDelay = TimeSpan.FromMilliseconds(20),
        MaxDelay = TimeSpan.FromMilliseconds(100),
        OverallTimeout = TimeSpan.FromSeconds(30),
        ConnectTimeout = TimeSpan.FromSeconds(2),
    };

    [Fact]
    public async Task Sixteen_writers_lose_no_unit_no_row_and_write_nothing_twice_when_the_synchronous_primary_is_killed_and_the_standby_promoted()
    {
        await using var primary = await fixture.TestBed.StartServerAsync();
        await using var standby = await fixture.TestBed.StartStandbyAsync(primary, new StandbyOptions { Synchronous = true });
        await primary.ExecuteScalarAsync<object>(UnitWriters.CreateTable);
        await using var factory = ConnectionFactory.FromUrl(
            $"postgresql://{primary.Username}:{primary.Password}@{primary.Host}:{primary.Port},{standby.Host}:{standby.Port}/{primary.Database}" +
            "?target_session_attrs=read-write&application_name=unit_writers",
            new ConnectionFactoryOptions { Retry = RidingOutPolicy });

        await using var writers = new UnitWriters(factory, Writers);
        await writers.WaitUntilEveryWriterCompletesAsync(3, TimeSpan.Zero, TimeSpan.FromSeconds(30));

        var crashedAt = writers.Now;
        await primary.CrashAsync();
        var promotion = Stopwatch.StartNew();
        await Task.Delay(PromotionDelay); // the scenario: the standby is promoted a second after the primary died
        await standby.PromoteAsync();
        var promotedAt = writers.Now;
        output.WriteLine($"crashed at {crashedAt.TotalMilliseconds:F0} ms, promotion started {PromotionDelay.TotalMilliseconds:F0} ms later and took {(promotion.Elapsed - PromotionDelay).TotalMilliseconds:F0} ms");

        await writers.WaitUntilEveryWriterCompletesAsync(3, promotedAt, TimeSpan.FromSeconds(30));
        await writers.StopAsync();
        var figures = await writers.CheckAsync(Connect.To(standby), output, "kill the synchronous primary, promote the standby 1 s later");

        figures.Failed.Should().Be(0, "every unit rides out the failover");
        figures.Lost.Should().Be(0, "every acknowledged row is on the new primary (synchronous replication)");
        figures.Duplicates.Should().Be(0, "no unit is applied twice");
        figures.Unacknowledged.Should().Be(0, "every stored row belongs to a unit that was acknowledged");
        figures.MaxDuration.Should().BeLessThanOrEqualTo(PromotionDelay + TimeSpan.FromSeconds(1), "no unit takes longer than the second before the promotion plus 1 s");
    }
}
