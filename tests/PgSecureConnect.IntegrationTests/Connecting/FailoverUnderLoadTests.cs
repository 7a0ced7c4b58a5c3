using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;
using PgSecureConnect.IntegrationTests.Infrastructure;
using PgSecureConnect.Testing;
using Xunit.Abstractions;

namespace PgSecureConnect.IntegrationTests.Connecting;

[Collection(TestBedCollection.Name)]
public sealed class FailoverUnderLoadTests(TestBedFixture fixture, ITestOutputHelper output)
{
    private const int Writers = 16;

    [Fact]
    public async Task Sixteen_writers_resume_within_two_seconds_of_promotion_and_lose_no_acknowledged_row()
    {
        await using var primary = await fixture.TestBed.StartServerAsync();
        await using var standby = await fixture.TestBed.StartStandbyAsync(primary, new StandbyOptions { Synchronous = true });
        await primary.ExecuteScalarAsync<object>("CREATE TABLE writes (id bigint PRIMARY KEY, writer int NOT NULL)");
        await using var factory = ConnectionFactory.FromUrl(
            $"postgresql://{primary.Username}:{primary.Password}@{primary.Host}:{primary.Port},{standby.Host}:{standby.Port}/{primary.Database}" +
            "?target_session_attrs=read-write&application_name=writers");

        var clock = Stopwatch.StartNew();
        var acknowledged = new ConcurrentBag<long>();
        var errors = new ConcurrentBag<(int Writer, TimeSpan At, Exception Error)>();
        var successes = Enumerable.Range(0, Writers).Select(_ => new ConcurrentQueue<TimeSpan>()).ToArray();
        var promotedAt = TimeSpan.MaxValue;
        long nextId = 0;
        using var stop = new CancellationTokenSource();

        async Task WriteAsync(int writer)
        {
            while (!stop.IsCancellationRequested)
            {
                var id = Interlocked.Increment(ref nextId);
                try
                {
                    await using var connection = await factory.OpenConnectionAsync(stop.Token);
                    await using var insert = new NpgsqlCommand("INSERT INTO writes (id, writer) VALUES ($1, $2)", connection)
                    {
                        Parameters = { new() { Value = id }, new() { Value = writer } },
                    };
                    await insert.ExecuteNonQueryAsync(stop.Token);
                    acknowledged.Add(id);
                    successes[writer].Enqueue(clock.Elapsed);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    errors.Add((writer, clock.Elapsed, e));
                }
            }
        }

        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(() => WriteAsync(w))).ToArray();
        var warmUp = Stopwatch.StartNew();
        while (successes.Any(s => s.Count < 3) && warmUp.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(50);
        }

        successes.Should().OnlyContain(s => s.Count >= 3, "every writer writes before the failure");

        var crashedAt = clock.Elapsed;
        await primary.CrashAsync();
        await Task.Delay(500);
        await standby.PromoteAsync();
        promotedAt = clock.Elapsed;

        var deadline = Stopwatch.StartNew();
        while (successes.Any(s => !s.Any(t => t > promotedAt)) && deadline.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(50);
        }

        await Task.Delay(300);
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        var resumeTimes = successes.Select(s => s.Where(t => t > promotedAt).DefaultIfEmpty(TimeSpan.MaxValue).Min() - promotedAt).ToArray();
        output.WriteLine($"crash at {crashedAt.TotalMilliseconds:F0} ms, promoted at {promotedAt.TotalMilliseconds:F0} ms; {acknowledged.Count} acknowledged inserts, {errors.Count} failed operations");
        output.WriteLine("resume after promotion (ms): " + string.Join(", ", resumeTimes.Select(t => t == TimeSpan.MaxValue ? "never" : t.TotalMilliseconds.ToString("F0", System.Globalization.CultureInfo.InvariantCulture))));
        foreach (var group in errors.GroupBy(e => e.Error.GetType().Name + ": " + FirstLine(e.Error.Message)).OrderByDescending(g => g.Count()).Take(8))
        {
            output.WriteLine($"  {group.Count()} × {group.Key}");
        }

        foreach (var late in errors.Where(e => e.At > promotedAt + TimeSpan.FromSeconds(1)).Take(1))
        {
            output.WriteLine("an error after promotion: " + late.Error);
        }

        resumeTimes.Should().OnlyContain(t => t <= TimeSpan.FromSeconds(2), "every writer resumes within 2 s of the promotion");
        errors.Should().NotContain(e => e.Error is ConnectionConfigurationException, "no writer sees a configuration error");
        errors.Should().NotContain(e => e.Error.Chain().OfType<PostgresException>().Any(p => p.SqlState.StartsWith("28", StringComparison.Ordinal)), "no writer sees an authentication error");
        errors.Select(e => e.Error).OfType<ConnectionFailedException>().Should().NotContain(e => e.Kind == ConnectionFailureKind.Authentication || e.Kind == ConnectionFailureKind.AuthenticationMethodRefused);

        var stored = new HashSet<long>();
        await using (var connection = await Connect.OpenAsync(Connect.To(standby)))
        await using (var select = new NpgsqlCommand("SELECT id FROM writes", connection))
        await using (var reader = await select.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                stored.Add(reader.GetInt64(0));
            }
        }

        acknowledged.Where(id => !stored.Contains(id)).Should().BeEmpty("every acknowledged insert is on the new primary (synchronous replication)");
    }

    private static string FirstLine(string text) => text.Split('\n')[0];
}
