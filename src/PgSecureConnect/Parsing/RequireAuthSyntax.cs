namespace PgSecureConnect.Parsing;

/// <summary>
/// libpq's <c>require_auth</c> list (https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNECT-REQUIRE-AUTH)
/// and its translation to Npgsql's <c>Require Auth</c> syntax.
/// </summary>
internal static class RequireAuthSyntax
{
    private static readonly Dictionary<string, string> NpgsqlNames = new(StringComparer.Ordinal)
    {
        ["password"] = "Password",
        ["md5"] = "MD5",
        ["gss"] = "GSS",
        ["sspi"] = "SSPI",
        ["scram-sha-256"] = "ScramSHA256",
        ["none"] = "None",
    };

    public static bool TryValidate(string value, out string? error)
    {
        var methods = value.Split(',');
        var negated = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in methods)
        {
            var method = item.StartsWith('!') ? item[1..] : item;
            if (item.StartsWith('!'))
            {
                negated++;
            }

            if (!NpgsqlNames.ContainsKey(method))
            {
                error = $"'{item}' is not an authentication method; use password, md5, gss, sspi, scram-sha-256 or none, optionally negated with '!', separated by commas";
                return false;
            }

            if (!seen.Add(method))
            {
                error = $"'{method}' is listed twice";
                return false;
            }
        }

        if (negated != 0 && negated != methods.Length)
        {
            error = "mixes allowed and negated ('!') methods, which libpq does not allow; list either the allowed methods or the refused ones";
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>Translates a valid libpq list to Npgsql's syntax (<c>scram-sha-256</c> becomes <c>ScramSHA256</c>).</summary>
    public static string ToNpgsql(string value)
        => string.Join(',', value.Split(',').Select(item => item.StartsWith('!') ? "!" + NpgsqlNames[item[1..]] : NpgsqlNames[item]));
}
