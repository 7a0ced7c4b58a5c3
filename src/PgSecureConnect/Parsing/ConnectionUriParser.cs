using PgSecureConnect.Internal;
namespace PgSecureConnect.Parsing;

/// <summary>
/// Parses <c>postgresql://</c> and <c>postgres://</c> URLs exactly as libpq's <c>conninfo_uri_parse_options</c> does
/// (https://www.postgresql.org/docs/current/libpq-connect.html#LIBPQ-CONNSTRING-URIS), not as <see cref="Uri"/> does:
/// host lists, empty hosts, bracketed IPv6, percent-encoded socket directories, <c>user@/db</c>, later query
/// parameters overriding earlier values, and <c>ssl=true</c>. Unlike libpq, errors never echo the URL, and the
/// ambiguities an unencoded <c>@</c> or <c>/</c> in a password creates are reported as such.
/// </summary>
internal static class ConnectionUriParser
{
    private const string PostgresqlScheme = "postgresql://";
    private const string PostgresScheme = "postgres://";

    /// <summary>The length of the libpq URI prefix, or 0 when <paramref name="value"/> is not a libpq URI.</summary>
    public static int PrefixLength(string value)
        => value.StartsWith(PostgresqlScheme, StringComparison.Ordinal) ? PostgresqlScheme.Length
            : value.StartsWith(PostgresScheme, StringComparison.Ordinal) ? PostgresScheme.Length
            : 0;

    /// <summary>Whether <paramref name="value"/> looks like a URL of any scheme (for a helpful error).</summary>
    public static bool LooksLikeUrl(string value)
    {
        var separator = value.IndexOf("://", StringComparison.Ordinal);
        return separator > 0 && value.AsSpan(0, separator).IndexOfAnyExcept(SchemeCharacters) < 0;
    }

    private static readonly System.Buffers.SearchValues<char> SchemeCharacters =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.:");

    /// <summary>Parses <paramref name="uri"/> into libpq keywords; problems are added to <paramref name="problems"/>.</summary>
    /// <param name="uri">The URL.</param>
    /// <param name="urlKey">The name the URL is known by in messages, for example <c>DATABASE_URL</c>.</param>
    /// <param name="origin">Where the URL came from, or <see langword="null"/> when passed in directly.</param>
    /// <param name="problems">Collects problems.</param>
    public static ConnectionParameters Parse(string uri, string urlKey, SettingSource? origin, ProblemList problems)
    {
        var parameters = new ConnectionParameters();
        var prefix = PrefixLength(uri);
        if (prefix == 0)
        {
            problems.Add(urlKey, origin, DescribeBadScheme(uri));
            return parameters;
        }

        var context = new UriContext(uri, urlKey, origin, problems, parameters);
        context.Parse(prefix);
        return parameters;
    }

    private static string DescribeBadScheme(string uri)
    {
        var separator = uri.IndexOf("://", StringComparison.Ordinal);
        var scheme = separator > 0 ? uri[..separator] : string.Empty;
        if (scheme.Equals("postgresql", StringComparison.OrdinalIgnoreCase) || scheme.Equals("postgres", StringComparison.OrdinalIgnoreCase))
        {
            return $"the URL scheme '{scheme}://' must be written in lower case, as libpq requires: postgresql:// or postgres://";
        }

        if (scheme.StartsWith("jdbc:", StringComparison.OrdinalIgnoreCase))
        {
            return "this is a JDBC URL; remove the leading 'jdbc:' so it starts with postgresql://";
        }

        return scheme.Length > 0 && scheme.Length <= 20
            ? $"the URL scheme '{scheme}://' is not a PostgreSQL scheme; use postgresql:// or postgres://"
            : "the value is not a postgresql:// or postgres:// URL";
    }

    private sealed class UriContext(string uri, string urlKey, SettingSource? origin, ProblemList problems, ConnectionParameters parameters)
    {
        // Everything between the scheme and the last '@' may hold (part of) a password when the URL is ambiguous,
        // so no text from that range is ever quoted in a message.
        private int _secretStart = -1;
        private int _secretEnd = -1;

        public void Parse(int start)
        {
            var lastAt = uri.LastIndexOf('@');
            if (lastAt >= start)
            {
                _secretStart = start;
                _secretEnd = lastAt;
            }

            var p = start;
            var hadUserInfo = false;
            var passwordGiven = false;

            // libpq: look ahead for '@' before the first '/'; if found, what precedes it is user[:password].
            var look = p;
            while (look < uri.Length && uri[look] != '@' && uri[look] != '/')
            {
                look++;
            }

            if (look < uri.Length && uri[look] == '@')
            {
                hadUserInfo = true;
                var colon = uri.IndexOf(':', p, look - p);
                var userEnd = colon >= 0 ? colon : look;
                var question = uri.IndexOf('?', p, look - p);
                if (question >= 0 && (question < userEnd || uri.IndexOf('=', question, look - question) >= 0))
                {
                    // "host?user=x@y" or "host:5432?password=a@b": a query string before the first '@', which libpq
                    // reads as user name and password.
                    Problem(LibpqKeyword.User, "the URL has a query string ('?...=') before its '@', so libpq would read it as the user name and password; " +
                        "percent-encode '@' in query parameter values as %40");
                }

                if (userEnd > p)
                {
                    Store(LibpqKeyword.User, p, userEnd);
                }

                if (colon >= 0)
                {
                    passwordGiven = true;
                    if (look > colon + 1)
                    {
                        Store(LibpqKeyword.Password, colon + 1, look);
                    }
                }

                p = look + 1;
            }

            var hosts = new System.Text.StringBuilder();
            var ports = new System.Text.StringBuilder();
            var hostStart = p;
            char terminator;
            while (true)
            {
                if (p < uri.Length && uri[p] == '[')
                {
                    var addressStart = ++p;
                    while (p < uri.Length && uri[p] != ']')
                    {
                        p++;
                    }

                    if (p >= uri.Length)
                    {
                        Problem(LibpqKeyword.Host, "an IPv6 address opened with '[' has no closing ']'");
                        return;
                    }

                    if (p == addressStart)
                    {
                        Problem(LibpqKeyword.Host, "an IPv6 address in brackets may not be empty");
                        return;
                    }

                    hosts.Append(uri, addressStart, p - addressStart);
                    p++;
                    if (p < uri.Length && uri[p] is not (':' or '/' or '?' or ','))
                    {
                        Problem(LibpqKeyword.Host, $"unexpected character {Quote(p, p + 1)} after the IPv6 address ']' (expected ':', '/', '?' or ',')");
                        return;
                    }
                }
                else
                {
                    var nameStart = p;
                    while (p < uri.Length && uri[p] is not (':' or '/' or '?' or ','))
                    {
                        p++;
                    }

                    hosts.Append(uri, nameStart, p - nameStart);
                }

                terminator = p < uri.Length ? uri[p] : '\0';
                if (terminator == ':')
                {
                    var portStart = ++p;
                    while (p < uri.Length && uri[p] is not ('/' or '?' or ','))
                    {
                        p++;
                    }

                    ports.Append(uri, portStart, p - portStart);
                    terminator = p < uri.Length ? uri[p] : '\0';
                }

                if (terminator != ',')
                {
                    break;
                }

                p++;
                hosts.Append(',');
                ports.Append(',');
            }

            var hostEnd = p;
            if (LibpqSyntax.HoldsPasswordAssignment(uri[hostStart..hostEnd]))
            {
                // "postgres:// password=x:y" (a keyword/value string pasted after a scheme) or "h?a=b@c&password=x:y":
                // the host and port were cut from a password assignment, so nothing up to their end is quoted either.
                _secretStart = _secretStart < 0 ? hostStart : _secretStart;
                _secretEnd = hostEnd;
            }

            if (hosts.Length > 0)
            {
                StoreValue(LibpqKeyword.Host, hosts.ToString(), hostStart, hostEnd);
            }

            if (ports.Length > 0)
            {
                StoreValue(LibpqKeyword.Port, ports.ToString(), hostStart, hostEnd);
            }

            var hostSection = uri.AsSpan(hostStart, hostEnd - hostStart);
            if (hadUserInfo && hostSection.Contains('@'))
            {
                Problem(passwordGiven ? LibpqKeyword.Password : LibpqKeyword.User,
                    "the URL contains more than one '@', so libpq would cut the user name or password at the first one; " +
                    "percent-encode the password (and user name): '@' is %40, ':' is %3A, '/' is %2F");
            }

            if (terminator == '/')
            {
                var databaseStart = ++p;
                while (p < uri.Length && uri[p] != '?')
                {
                    p++;
                }

                if (!hadUserInfo && uri.AsSpan(databaseStart, p - databaseStart).Contains('@'))
                {
                    // "postgresql://app:2024/Spring@db/orders": libpq reads host "app", port 2024 and database
                    // "Spring@db/orders". A password with an unencoded '/' is far likelier than a database name with '@'.
                    Problem(LibpqKeyword.Password,
                        "the URL has an '@' after its first '/', so libpq would read the user name as the host, the start of the password as the port and the rest as the database name: " +
                        "probably the password contains a '/' that is not percent-encoded. Percent-encode the password ('/' is %2F, '@' is %40); a database name with '@' must be written with %40");
                }

                if (p > databaseStart)
                {
                    Store(LibpqKeyword.DbName, databaseStart, p);
                }

                terminator = p < uri.Length ? uri[p] : '\0';
            }

            if (terminator == '?')
            {
                ParseQuery(p + 1);
            }
        }

        private void ParseQuery(int start)
        {
            var p = start;
            var afterSecret = false;
            while (p < uri.Length)
            {
                var keywordStart = p;
                var equals = -1;
                var extraEquals = false;
                while (p < uri.Length && uri[p] != '&')
                {
                    if (uri[p] == '=')
                    {
                        if (equals >= 0)
                        {
                            extraEquals = true;
                        }
                        else
                        {
                            equals = p;
                        }
                    }

                    p++;
                }

                var segmentEnd = p;
                if (p < uri.Length)
                {
                    p++; // past '&'
                }

                if (equals < 0)
                {
                    // Not quoted: such a fragment is often the tail of a value that held an unencoded '&'.
                    Problem("query",
                        segmentEnd == keywordStart
                            ? "the query string has an empty parameter ('&&' or '?&'); remove the extra '&'"
                            : "a query parameter has no '=': write it as name=value, and percent-encode '&' inside values (a password, say) as %26");
                    afterSecret = false;
                    continue;
                }

                if (!PercentDecoding.TryDecode(uri[keywordStart..equals], out var keyword, out var keywordError))
                {
                    Problem("query", "a query parameter name " + keywordError);
                    continue;
                }

                var shownKey = afterSecret || Overlaps(keywordStart, equals) ? "query" : keyword;
                if (extraEquals)
                {
                    Problem(shownKey, "the value contains a second '='; percent-encode it as %3D");
                    afterSecret = false;
                    continue;
                }

                if (!PercentDecoding.TryDecode(uri[(equals + 1)..segmentEnd], out var value, out var valueError))
                {
                    Problem(shownKey, "the value " + valueError);
                    afterSecret = false;
                    continue;
                }

                // libpq: "Special keyword handling for improved JDBC compatibility".
                if (keyword == "ssl")
                {
                    afterSecret = false;
                    if (value == "true")
                    {
                        if (parameters.TryGet(LibpqKeyword.SslMode, out var earlier) && earlier.Value is "verify-ca" or "verify-full")
                        {
                            // libpq lets the later ssl=true win: the certificate is then no longer checked.
                            problems.Warnings.Add($"{urlKey}: ssl=true after sslmode={earlier.Value} lowers it to sslmode=require, which does not verify the server certificate (libpq reads ssl=true as sslmode=require and the later parameter wins); remove ssl=true to keep {earlier.Value}");
                        }

                        parameters.Set(LibpqKeyword.SslMode, "require", Source("ssl"));
                    }
                    else
                    {
                        Problem("ssl", "only ssl=true is understood (it means sslmode=require); for anything else use sslmode=disable|allow|prefer|require|verify-ca|verify-full");
                    }

                    continue;
                }

                (keyword, value) = ConnectionParameterCatalog.TranslateLegacy(keyword, value);
                if (!ConnectionParameterCatalog.TryGet(keyword, out var definition))
                {
                    // Right after a password, an unknown name is likely the password's tail cut at an unencoded '&'.
                    var hidden = afterSecret || Overlaps(keywordStart, equals);
                    var suggestion = hidden ? null : ConnectionParameterCatalog.SuggestFor(keyword);
                    Problem(hidden ? "query" : keyword,
                        (hidden ? "a query parameter after the password" : $"'{keyword}'") + " is not a PostgreSQL connection parameter" +
                        (hidden ? "; if the password contains '&', percent-encode it as %26"
                            : suggestion is null ? "; see the list of supported URL parameters in the README" : $"; did you mean '{suggestion}'?"));
                    afterSecret = false;
                    continue;
                }

                afterSecret = definition.IsSecret;
                parameters.Set(keyword, value, Source(keyword), mayHoldSecret: Overlaps(equals + 1, segmentEnd));
            }
        }

        private void Store(string keyword, int start, int end) => StoreValue(keyword, uri[start..end], start, end);

        private void StoreValue(string keyword, string raw, int start, int end)
        {
            if (PercentDecoding.TryDecode(raw, out var value, out var error))
            {
                parameters.Set(keyword, value, Source(keyword), mayHoldSecret: keyword != LibpqKeyword.User && Overlaps(start, end));
            }
            else
            {
                Problem(keyword, (keyword == LibpqKeyword.Password ? "the password " : $"the {Describe(keyword)} ") + error);
            }
        }

        private static string Describe(string keyword) => keyword switch
        {
            LibpqKeyword.DbName => "database name",
            LibpqKeyword.User => "user name",
            LibpqKeyword.Host => "host list",
            LibpqKeyword.Port => "port list",
            _ => keyword,
        };

        private bool Overlaps(int start, int end) => _secretEnd >= 0 && start < _secretEnd && end > _secretStart;

        private string Quote(int start, int end) => Overlaps(start, end) ? "(not shown)" : $"'{uri[start..end]}'";

        private SettingSource Source(string keyword) => new(SettingSourceKind.Url, keyword, origin?.ToString() ?? (urlKey == "url" ? null : urlKey));

        private void Problem(string keyword, string message) => problems.Add(keyword, Source(keyword), message);
    }
}
