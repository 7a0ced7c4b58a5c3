using PgSecureConnect.Internal;
namespace PgSecureConnect.Parsing;

/// <summary>
/// Reads one connection string in whichever form it is written: a <c>postgresql://</c> URL, a libpq keyword/value
/// string (<c>host=db1 dbname=orders</c>), or an Npgsql connection string (<c>Host=db1;Database=orders</c>, recognised
/// by its <c>;</c>).
/// </summary>
internal static class ConnectionStringReader
{
    public static ConnectionSettings Read(string text, string key, SettingSource? origin)
    {
        var problems = new ProblemList();
        var parameters = Parse(text, key, origin, problems);
        var settings = ConnectionSettingsMapper.Map(parameters, problems);
        problems.ThrowIfAny();
        return settings.Build();
    }

    public static ConnectionParameters Parse(string text, string key, SettingSource? origin, ProblemList problems)
    {
        // libpq reads an empty string as "no settings"; here it is almost always an unset or mistyped variable.
        if (string.IsNullOrWhiteSpace(text))
        {
            problems.Add(key, origin, "is empty; give a postgresql://user:password@host:5432/dbname URL");
            return new ConnectionParameters();
        }

        // libpq works on C strings and cannot even see a NUL; Npgsql refuses connection strings that hold one.
        if (text.Contains('\0', StringComparison.Ordinal))
        {
            problems.Add(key, origin, "contains a NUL character (U+0000), which PostgreSQL connection parameters cannot hold");
            return new ConnectionParameters();
        }

        // No trimming: libpq keeps surrounding whitespace (a URL with a leading space is not a URL to libpq).
        var trimmed = text;

        if (ConnectionUriParser.PrefixLength(trimmed) > 0 || ConnectionUriParser.LooksLikeUrl(trimmed))
        {
            return ConnectionUriParser.Parse(trimmed, key, origin, problems);
        }

        if (NpgsqlConnectionStringReader.LooksLikeNpgsqlForm(trimmed))
        {
            return NpgsqlConnectionStringReader.Parse(trimmed, key, origin, problems);
        }

        if (KeywordValueParser.LooksLikeKeywordValue(trimmed))
        {
            return KeywordValueParser.Parse(trimmed, key, origin, problems);
        }

        problems.Add(key, origin,
            "is neither a postgresql:// URL nor a keyword=value connection string; write it as postgresql://user:password@host:5432/dbname (percent-encode special characters in the password)");
        return new ConnectionParameters();
    }
}
