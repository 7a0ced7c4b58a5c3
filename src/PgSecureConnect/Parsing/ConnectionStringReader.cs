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
        return settings;
    }

    public static ConnectionParameters Parse(string text, string key, SettingSource? origin, ProblemList problems)
    {
        var trimmed = text.Trim();
        if (trimmed.Length == 0)
        {
            problems.Add(key, origin, "is empty; give a postgresql://user:password@host:5432/dbname URL");
            return new ConnectionParameters();
        }

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
