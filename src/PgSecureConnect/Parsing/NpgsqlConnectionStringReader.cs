using System.Data.Common;
using System.Globalization;
using Npgsql;
using PgSecureConnect.Internal;

namespace PgSecureConnect.Parsing;

/// <summary>
/// Reads an Npgsql connection string (<c>Host=db1;Database=orders;Username=app</c>), as found in
/// <c>ConnectionStrings:Default</c>, into libpq keywords, so the same validation and SSL policy apply. Npgsql keywords
/// with no libpq counterpart are reported with the way to set them instead.
/// </summary>
internal static partial class NpgsqlConnectionStringReader
{
    // Npgsql keyword (lower case, without spaces) → libpq keyword.
    private static readonly Dictionary<string, string> Keywords = new(StringComparer.Ordinal)
    {
        ["host"] = LibpqKeyword.Host,
        ["server"] = LibpqKeyword.Host,
        ["port"] = LibpqKeyword.Port,
        ["database"] = LibpqKeyword.DbName,
        ["db"] = LibpqKeyword.DbName,
        ["username"] = LibpqKeyword.User,
        ["user"] = LibpqKeyword.User,
        ["userid"] = LibpqKeyword.User,
        ["uid"] = LibpqKeyword.User,
        ["password"] = LibpqKeyword.Password,
        ["psw"] = LibpqKeyword.Password,
        ["pwd"] = LibpqKeyword.Password,
        ["passfile"] = LibpqKeyword.PassFile,
        ["sslmode"] = LibpqKeyword.SslMode,
        ["rootcertificate"] = LibpqKeyword.SslRootCert,
        ["sslcertificate"] = LibpqKeyword.SslCert,
        ["sslkey"] = LibpqKeyword.SslKey,
        ["sslpassword"] = LibpqKeyword.SslPassword,
        ["sslnegotiation"] = LibpqKeyword.SslNegotiation,
        ["channelbinding"] = LibpqKeyword.ChannelBinding,
        ["requireauth"] = LibpqKeyword.RequireAuth,
        ["gssencryptionmode"] = LibpqKeyword.GssEncMode,
        ["kerberosservicename"] = LibpqKeyword.KrbSrvName,
        ["krbsrvname"] = LibpqKeyword.KrbSrvName,
        ["applicationname"] = LibpqKeyword.ApplicationName,
        ["timeout"] = LibpqKeyword.ConnectTimeout,
        ["options"] = LibpqKeyword.Options,
        ["searchpath"] = LibpqKeyword.Schema,
        ["clientencoding"] = LibpqKeyword.ClientEncoding,
        ["targetsessionattributes"] = LibpqKeyword.TargetSessionAttrs,
        ["loadbalancehosts"] = LibpqKeyword.LoadBalanceHosts,
        ["tcpkeepalive"] = LibpqKeyword.Keepalives,
        ["tcpkeepalivetime"] = LibpqKeyword.KeepalivesIdle,
        ["tcpkeepaliveinterval"] = LibpqKeyword.KeepalivesInterval,
        ["minimumpoolsize"] = LibpqKeyword.PoolMinConns,
        ["minpoolsize"] = LibpqKeyword.PoolMinConns,
        ["maximumpoolsize"] = LibpqKeyword.PoolMaxConns,
        ["maxpoolsize"] = LibpqKeyword.PoolMaxConns,
        ["connectionidlelifetime"] = LibpqKeyword.PoolMaxConnIdleTime,
        ["connectionlifetime"] = LibpqKeyword.PoolMaxConnLifetime,
        ["loadbalancetimeout"] = LibpqKeyword.PoolMaxConnLifetime,
        ["persistsecurityinfo"] = string.Empty,
    };

    /// <summary>
    /// An Npgsql string separates its pairs with <c>;</c>. A libpq keyword/value string may hold a <c>;</c> too (inside
    /// a value), but separates its pairs with spaces: when the first pair is followed by <c> word=</c>, it is libpq's.
    /// </summary>
    public static bool LooksLikeNpgsqlForm(string text)
    {
        var inQuote = false;
        var firstSeparator = -1;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\'' || c == '"')
            {
                inQuote = !inQuote;
            }
            else if (c == ';' && !inQuote)
            {
                firstSeparator = i;
                break;
            }
        }

        return firstSeparator >= 0 && !LibpqPairFollows().IsMatch(text.AsSpan(0, firstSeparator));
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^\s*[A-Za-z_]+\s*=\s*\S*\s+[A-Za-z_]+\s*=")]
    private static partial System.Text.RegularExpressions.Regex LibpqPairFollows();

    public static ConnectionParameters Parse(string text, string key, SettingSource? origin, ProblemList problems)
    {
        var parameters = new ConnectionParameters();
        var raw = new DbConnectionStringBuilder();
        try
        {
            raw.ConnectionString = text;
        }
        catch (ArgumentException)
        {
            problems.Add(key, origin, "is not a valid Npgsql connection string (Key=Value pairs separated by ';'; quote values that contain ';' with double quotes)");
            return parameters;
        }

        var location = origin?.ToString() ?? (key == "url" ? null : key);
        // The text too: a later "Password=" with an empty value makes DbConnectionStringBuilder drop the key altogether.
        var holdsSecret = LibpqSyntax.HoldsPasswordAssignment(text)
            || raw.Keys.Cast<string>().Any(k => Keywords.TryGetValue(Normalize(k), out var libpq) && ConnectionParameterCatalog.IsSecret(libpq));
        foreach (string rawKey in raw.Keys)
        {
            var value = Convert.ToString(raw[rawKey], CultureInfo.InvariantCulture) ?? string.Empty;
            if (!Keywords.TryGetValue(Normalize(rawKey), out var keyword))
            {
                if (IsNpgsqlKeyword(rawKey))
                {
                    problems.Add(rawKey, origin, $"the Npgsql setting '{rawKey}' has no libpq equivalent and is not read from connection strings here; set it in code with ConnectionFactoryOptions.ConfigureDataSource (builder => builder.ConnectionStringBuilder...)");
                }
                else if (holdsSecret)
                {
                    // With a password in the string, an unknown "keyword" may well be the password's tail cut at a ';'.
                    problems.Add(key, origin, "holds a keyword that is not an Npgsql connection string keyword (not shown, since it may be part of the password); quote values that contain ';' with double quotes: Password=\"a;b\"");
                }
                else
                {
                    problems.Add(rawKey, origin, $"'{rawKey}' is not an Npgsql connection string keyword");
                }

                continue;
            }

            if (keyword.Length == 0)
            {
                continue;
            }

            var source = new SettingSource(SettingSourceKind.Url, rawKey, location);
            var converted = ToLibpqValue(keyword, value);
            if (keyword == LibpqKeyword.Host && converted.Contains(':', StringComparison.Ordinal))
            {
                parameters.Set(LibpqKeyword.Host, converted, source);
                HostListSyntax.SplitEmbeddedPorts(parameters, problems);
                continue;
            }

            parameters.Set(keyword, converted, source);
        }

        return parameters;
    }

    private static string Normalize(string keyword) => keyword.Replace(" ", string.Empty, StringComparison.Ordinal).ToLowerInvariant();

    private static bool IsNpgsqlKeyword(string keyword)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder().ContainsKey(keyword);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Npgsql spells enum values in PascalCase (<c>VerifyFull</c>, <c>PreferStandby</c>); libpq in kebab case.</summary>
    private static string ToLibpqValue(string keyword, string value)
    {
        var compact = value.Replace("-", string.Empty, StringComparison.Ordinal).Replace("_", string.Empty, StringComparison.Ordinal).ToLowerInvariant();
        return keyword switch
        {
            LibpqKeyword.SslMode => compact switch
            {
                "verifyca" => "verify-ca",
                "verifyfull" => "verify-full",
                _ => compact,
            },
            LibpqKeyword.TargetSessionAttrs => compact switch
            {
                "readwrite" => "read-write",
                "readonly" => "read-only",
                "preferstandby" => "prefer-standby",
                "preferprimary" => "prefer-primary",
                _ => compact,
            },
            LibpqKeyword.ChannelBinding or LibpqKeyword.GssEncMode or LibpqKeyword.SslNegotiation => compact,
            LibpqKeyword.LoadBalanceHosts => compact is "true" or "yes" or "1" ? "random" : "disable",
            LibpqKeyword.Keepalives => compact is "true" or "yes" or "1" ? "1" : "0",
            LibpqKeyword.RequireAuth => string.Join(',', value.Split(',').Select(m => m.Trim() switch
            {
                var negated when negated.StartsWith('!') => "!" + RequireAuthName(negated[1..]),
                var method => RequireAuthName(method),
            })),
            _ => value,
        };
    }

    private static string RequireAuthName(string npgsqlName) => npgsqlName.ToLowerInvariant() switch
    {
        "scramsha256" => "scram-sha-256",
        var other => other,
    };
}
