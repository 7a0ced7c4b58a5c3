using System.Globalization;

namespace PgSecureConnect.Benchmarks.Soak;

/// <summary>
/// What a <c>soak</c> run does: <c>--seconds N</c> (default 60), <c>--seed S</c> to replay a run's fault sequence (the
/// timings differ), <c>--log PATH</c> for the factories' log events and the faults on one clock.
/// </summary>
internal sealed record SoakOptions(int Seconds, int Seed, string? LogPath)
{
    public const string Usage = "usage: soak [--seconds N] [--seed S] [--log PATH]";

    public TimeSpan Duration => TimeSpan.FromSeconds(Seconds);

    /// <summary>
    /// RSS is taken after this much of the run: a third of it, at least 10 s and at most 60 s (in 60 s runs RSS grew for
    /// the first 10–15 s, while pools and the JIT warmed up, and was flat after).
    /// </summary>
    public TimeSpan WarmUp => TimeSpan.FromSeconds(Math.Clamp(Seconds / 3.0, 10, 60));

    public static SoakOptions Parse(string[] args)
    {
        var seconds = 60;
        var seed = Random.Shared.Next();
        string? log = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--seconds" when i + 1 < args.Length:
                    seconds = ParsePositive(args[++i], "--seconds");
                    break;
                case "--seed" when i + 1 < args.Length:
                    seed = int.Parse(args[++i], NumberStyles.Integer, CultureInfo.InvariantCulture);
                    break;
                case "--log" when i + 1 < args.Length:
                    log = args[++i];
                    break;
                default:
                    throw new ArgumentException($"unknown argument '{args[i]}'; {Usage}");
            }
        }

        if (seconds < 10)
        {
            throw new ArgumentException($"--seconds must be at least 10 (a warm-up and one fault), not {seconds}; {Usage}");
        }

        return new SoakOptions(seconds, seed, log);
    }

    private static int ParsePositive(string text, string name)
        => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"{name} must be a positive whole number, not '{text}'; {Usage}");
}
