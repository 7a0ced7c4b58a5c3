using System.Diagnostics;
using Npgsql;
using PgSecureConnect.Testing;

namespace PgSecureConnect.Benchmarks.Load;

/// <summary>
/// Issue 13 measured side by side, as <see cref="PairedOpenScenario"/> does for opens: blocks of units on one thread,
/// by hand (factory open, the work, dispose) and through <c>ExecuteAsync</c> / <c>ExecuteInTransactionAsync</c> taking
/// turns block by block (the order rotating each round), so machine noise hits both alike; the ratio is the median over
/// rounds of unit/by-hand within the round. Target ≤ 1.05×.
/// </summary>
internal static class UnitOfWorkScenario
{
    private sealed record Variant(string Name, Func<IConnectionFactory, Task> Run, bool IsBaseline = false);

    public static async Task RunAsync(PostgresTestBed bed, LoadOptions options, Report report)
    {
        report.Heading("Issue 13 (paired blocks): a unit of work with trivial work against the same by hand");
        await using var server = await bed.StartServerAsync(BenchServer.Options());
        await using var factory = ConnectionFactory.FromUrl(BenchServer.Url(bed, server, "application_name=unitofwork"), new ConnectionFactoryOptions { SslPolicy = SslPolicy.VerifyFull });
        var opsPerBlock = options.Quick ? 200 : 500;
        var rounds = options.Quick ? 10 : 30;
        (string Name, Variant[] Variants)[] operations =
        [
            ("SELECT 1",
            [
                new("by hand: factory open + SELECT 1 + dispose", ByHandAsync, IsBaseline: true),
                new("ExecuteAsync(SELECT 1)", f => f.ExecuteAsync(static (connection, cancellationToken) => Select1Async(connection, cancellationToken)).AsTask()),
            ]),
            ("BEGIN + SELECT 1 + COMMIT",
            [
                new("by hand: factory open + BEGIN + SELECT 1 + COMMIT + dispose", ByHandTransactionAsync, IsBaseline: true),
                new("ExecuteInTransactionAsync(SELECT 1)", f => f.ExecuteInTransactionAsync(static (connection, transaction, cancellationToken) => Select1Async(connection, cancellationToken)).AsTask()),
            ]),
        ];

        foreach (var (name, variants) in operations)
        {
            var warmUp = Stopwatch.StartNew();
            while (warmUp.Elapsed < (options.Quick ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(4)))
            {
                foreach (var variant in variants)
                {
                    await BlockAsync(factory, variant.Run, opsPerBlock / 4);
                }
            }

            var ns = variants.Select(_ => new List<double>()).ToArray();
            var ratios = variants.Select(_ => new List<double>()).ToArray();
            for (var round = 0; round < rounds; round++)
            {
                var thisRound = new double[variants.Length];
                for (var k = 0; k < variants.Length; k++)
                {
                    var i = (k + round) % variants.Length;
                    thisRound[i] = await BlockAsync(factory, variants[i].Run, opsPerBlock);
                    ns[i].Add(thisRound[i]);
                }

                for (var i = 0; i < variants.Length; i++)
                {
                    ratios[i].Add(thisRound[i] / thisRound[0]);
                }
            }

            var rows = new List<IReadOnlyList<string>>();
            for (var i = 0; i < variants.Length; i++)
            {
                var ratio = Stats.Median(ratios[i]);
                rows.Add([
                    variants[i].Name,
                    Report.Num(Stats.Median(ns[i]), "#,0"),
                    variants[i].IsBaseline ? "1.000×" : Report.Ratio(ratio),
                    variants[i].IsBaseline ? "" : $"{Report.Ratio(ratios[i].Min())} – {Report.Ratio(ratios[i].Max())}",
                    variants[i].IsBaseline ? "" : ratio <= 1.05 ? "met" : "NOT met",
                ]);
                if (!variants[i].IsBaseline)
                {
                    report.Notes.Add($"paired unit of work, {name}: {variants[i].Name} / by hand {Report.Ratio(ratio)}");
                }
            }

            report.Line($"**{name}**: {rounds} rounds × {opsPerBlock} units per variant");
            report.Line();
            report.Table(["variant", "ns/unit (median)", "ratio to by hand (median of rounds)", "ratio range", "target ≤1.05×"], rows);
        }
    }

    private static async Task ByHandAsync(IConnectionFactory factory)
    {
        await using var connection = await factory.OpenConnectionAsync();
        await Select1Async(connection, CancellationToken.None);
    }

    private static async Task ByHandTransactionAsync(IConnectionFactory factory)
    {
        await using var connection = await factory.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await Select1Async(connection, CancellationToken.None);
        await transaction.CommitAsync();
    }

    private static async Task<object?> Select1Async(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT 1", connection);
        return await command.ExecuteScalarAsync(cancellationToken);
    }

    private static async Task<double> BlockAsync(IConnectionFactory factory, Func<IConnectionFactory, Task> run, int operations)
    {
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < operations; i++)
        {
            await run(factory);
        }

        return Stopwatch.GetElapsedTime(started).TotalNanoseconds / operations;
    }
}
