using System.Globalization;

namespace PgSecureConnect.Parsing;

/// <summary>
/// Durations in pool parameters: a whole number of seconds (<c>30</c>), or Go's duration syntax as pgx URLs use it
/// (<c>500ms</c>, <c>90s</c>, <c>5m</c>, <c>1h30m</c>).
/// </summary>
internal static class DurationSyntax
{
    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var span = text.AsSpan().Trim();
        if (span.IsEmpty)
        {
            return false;
        }

        if (long.TryParse(span, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            if (seconds > int.MaxValue)
            {
                return false;
            }

            value = TimeSpan.FromSeconds(seconds);
            return true;
        }

        var total = 0.0;
        while (!span.IsEmpty)
        {
            var digits = 0;
            while (digits < span.Length && (char.IsAsciiDigit(span[digits]) || span[digits] == '.'))
            {
                digits++;
            }

            if (digits == 0 || !double.TryParse(span[..digits], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            span = span[digits..];
            var unit = 0;
            while (unit < span.Length && char.IsAsciiLetter(span[unit]))
            {
                unit++;
            }

            double? factor = span[..unit] switch
            {
                "ms" => 0.001,
                "s" => 1,
                "m" => 60,
                "h" => 3600,
                _ => null,
            };
            if (factor is null)
            {
                return false;
            }

            total += number * factor.Value;
            span = span[unit..];
        }

        if (total > int.MaxValue)
        {
            return false;
        }

        value = TimeSpan.FromSeconds(total);
        return true;
    }

    /// <summary>Formats as whole seconds when exact, else milliseconds (<c>1500ms</c>).</summary>
    public static string Format(TimeSpan value)
        => value.Ticks % TimeSpan.TicksPerSecond == 0
            ? ((long)value.TotalSeconds).ToString(CultureInfo.InvariantCulture)
            : ((long)value.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms";
}
