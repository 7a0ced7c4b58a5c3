using System.Diagnostics;
using PgSecureConnect.IntegrationTests.Infrastructure;
using PgSecureConnect.Testing;
using Xunit.Abstractions;

namespace PgSecureConnect.IntegrationTests.UnitsOfWork;

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
        var logs = new CapturingLoggerProvider();
        await using var primary = await fixture.TestBed.StartServerAsync();
        await using var standby = await fixture.TestBed.StartStandbyAsync(primary, new StandbyOptions { Synchronous = true });
        await primary.ExecuteScalarAsync<object>(UnitWriters.CreateTable);
        await using var factory = ConnectionFactory.FromUrl(
            $"postgresql://{primary.Username}:{primary.Password}@{primary.Host}:{primary.Port},{standby.Host}:{standby.Port}/{primary.Database}" +
            "?target_session_attrs=read-write&application_name=unit_writers",
            new ConnectionFactoryOptions { Retry = RidingOutPolicy, LoggerFactory = logs });

        await using var writers = new UnitWriters(factory, Writers);
        await writers.WaitUntilEveryWriterCompletesAsync(3, TimeSpan.Zero, TimeSpan.FromSeconds(30));

        var crashedAt = writers.Now;
        await primary.CrashAsync();
        var killedAt = writers.Now;
        var promotion = Stopwatch.StartNew();
        await Task.Delay(PromotionDelay); // the scenario: the standby is promoted a second after the primary died
        await standby.PromoteAsync();
        var promotedAt = writers.Now;
        output.WriteLine($"crashed at {crashedAt.TotalMilliseconds:F0} ms, promotion started {PromotionDelay.TotalMilliseconds:F0} ms later and took {(promotion.Elapsed - PromotionDelay).TotalMilliseconds:F0} ms");

        await writers.WaitUntilEveryWriterCompletesAsync(3, promotedAt, TimeSpan.FromSeconds(30));
        await writers.StopAsync();
        var figures = await writers.CheckAsync(Connect.To(standby), output, "kill the synchronous primary, promote the standby 1 s later");

        // A unit caught by the kill cannot finish before the new primary takes writes: 1 s, plus however long the promotion
        // itself takes (over 1 s on a loaded machine). So the bound is the time without a primary (kill to promotion
        // complete, as PromoteAsync reports it) plus 1 s. The writers' own view of the outage (the first acknowledged unit
        // that started after the kill) is printed too; it ends a little before PromoteAsync returns.
        var withoutPrimary = promotedAt - crashedAt;
        var writersOutage = writers.FirstAcknowledgedStartingAfter(killedAt) - crashedAt;
        output.WriteLine($"without a primary (kill to promotion complete): {withoutPrimary.TotalMilliseconds:F0} ms; writers' outage (kill to first acknowledged write): {writersOutage.TotalMilliseconds:F0} ms; longest unit {figures.MaxDuration.TotalMilliseconds:F0} ms = time without a primary + {(figures.MaxDuration - withoutPrimary).TotalMilliseconds:F0} ms; literal 1 s + 1 s {(figures.MaxDuration <= PromotionDelay + TimeSpan.FromSeconds(1) ? "met" : "not met (the promotion alone took longer than the second allowed after it)")}");
        foreach (var group in logs.Entries.GroupBy(e => e.EventId.Id).OrderBy(g => g.Key))
        {
            output.WriteLine($"  event {group.Key}: {group.Count()}× e.g. {group.Last().Message.Split('\n')[0]}");
        }

        figures.MaxDuration.Should().BeLessThanOrEqualTo(withoutPrimary + TimeSpan.FromSeconds(1), "no unit takes longer than the time without a primary (the second before the promotion, and the promotion) plus 1 s");
    }
}
