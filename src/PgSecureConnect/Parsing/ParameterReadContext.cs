using PgSecureConnect.Internal;

namespace PgSecureConnect.Parsing;

/// <summary>
/// Reads typed values out of <see cref="ConnectionParameters"/> for <see cref="ConnectionSettingsMapper"/>: each reader
/// records the value's source on success and a problem naming the keyword, the source and what was expected on
/// failure (a secret value is never quoted). What each keyword means stays in the mapper.
/// </summary>
internal abstract class ParameterReadContext(ConnectionParameters parameters, ProblemList problems, ConnectionSettingsBuilder settings)
{
    protected ConnectionParameters Parameters => parameters;

    protected ProblemList Problems => problems;

    protected ConnectionSettingsBuilder Settings => settings;

    protected TimeSpan? MapSeconds(string keyword)
    {
        if (Get(keyword) is not { } value)
        {
            return null;
        }

        if (LibpqSyntax.TryParseLibpqInt(value.Value, out var seconds) && seconds >= 0)
        {
            SetSource(keyword, value);

            // libpq: 0 means the operating system default.
            return seconds == 0 ? null : TimeSpan.FromSeconds(seconds);
        }

        return Invalid<TimeSpan?>(value, "a whole number of seconds, 0 or more");
    }

    protected int? MapCount(string keyword, int minimum)
    {
        if (Get(keyword) is not { } value)
        {
            return null;
        }

        if (LibpqSyntax.TryParseLibpqInt(value.Value, out var count) && count >= minimum && count <= 10_000)
        {
            SetSource(keyword, value);
            return count;
        }

        return Invalid<int?>(value, $"a whole number from {minimum} to 10000");
    }

    protected TimeSpan? MapDuration(string keyword)
    {
        if (Get(keyword) is not { } value)
        {
            return null;
        }

        if (DurationSyntax.TryParse(value.Value, out var duration) && duration > TimeSpan.Zero)
        {
            SetSource(keyword, value);
            return duration;
        }

        return Invalid<TimeSpan?>(value, "a positive number of seconds or a duration such as 90s, 5m, 1h");
    }

    protected void MapText(string keyword, Action<string> assign, bool allowEmpty = true)
    {
        if (Get(keyword) is not { } value)
        {
            return;
        }

        if (!allowEmpty && value.Value.Length == 0)
        {
            Problem(keyword, $"{keyword} is empty; remove it or give a value", value);
            return;
        }

        assign(value.Value);
        SetSource(keyword, value);
    }

    protected T Invalid<T>(ParameterValue value, string expected)
    {
        var keyword = value.Source.Name;
        var shown = value.MayHoldSecret || ConnectionParameterCatalog.IsSecret(keyword) ? "the value" : $"'{value.Value}'";
        Problem(KeywordOf(value), $"{shown} is not valid; expected {expected}", value);
        return default!;
    }

    protected ParameterValue? Get(string keyword) => parameters.TryGet(keyword, out var value) ? value : null;

    protected string KeywordOf(ParameterValue value)
    {
        foreach (var keyword in parameters.Keywords)
        {
            if (parameters.TryGet(keyword, out var candidate) && candidate == value)
            {
                return keyword;
            }
        }

        return value.Source.Name;
    }

    protected void SetSource(string keyword, ParameterValue value) => settings.SetSource(keyword, value.Source);

    protected void SetSourceOrDefault(string keyword, ParameterValue? value, bool isDefault)
    {
        if (value is { } given)
        {
            settings.SetSource(keyword, given.Source);
        }
        else if (isDefault)
        {
            settings.SetSource(keyword, new SettingSource(SettingSourceKind.Default, keyword));
        }
    }

    protected void Problem(string keyword, string message, ParameterValue? value = null)
        => problems.Add(keyword, value?.Source ?? Get(keyword)?.Source, message);

    /// <summary>An enumerated keyword: its value by the libpq names, or a problem listing them.</summary>
    protected T? MapNamed<T>(string keyword, NamedValues<T> names)
        where T : struct
    {
        if (Get(keyword) is not { } value)
        {
            return null;
        }

        if (names.TryParse(value.Value, out var parsed))
        {
            SetSource(keyword, value);
            return parsed;
        }

        return Invalid<T?>(value, names.Expected);
    }

    protected SettingSource? SourceOf(string keyword) => Get(keyword)?.Source;
}
