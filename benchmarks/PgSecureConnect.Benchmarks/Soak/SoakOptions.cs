using System.Globalization;

namespace PgSecureConnect.Benchmarks.Soak;

/// <summary>What a <c>soak</c> run does: <c>--seconds N</c> (default 60), <c>--seed S</c> to replay a run's fault sequence.</summary>
internal sealed record SoakOptions(int Seconds, int Seed)
{
    public const string Usage = "usage: soak [--seconds N] [--seed S]";

    public TimeSpan Duration => TimeSpan.FromSeconds(Seconds);

    /// <summary>RSS is taken after this much of the run: a fifth of it, at least 5 s and at most 60 s.</summary>
    public TimeSpan WarmUp => TimeSpan.FromSeconds(Math.Clamp(Seconds / 5.0, 5, 60));

    public static SoakOptions Parse(string[] args)
    {
        var seconds = 60;
        var seed = Random.Shared.Next();
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
                default:
                    throw new ArgumentException($"unknown argument '{args[i]}'; {Usage}");
            }
        }

        if (seconds < 10)
        {
            throw new ArgumentException($"--seconds must be at least 10 (a warm-up and one fault), not {seconds}; {Usage}");
        }

        return new SoakOptions(seconds, seed);
    }

    private static int ParsePositive(string text, string name)
        => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"{name} must be a positive whole number, not '{text}'; {Usage}");
}
