using System.Globalization;
using System.Net;
using System.Security.Authentication;
using Npgsql;
using PgSecureConnect.Internal;

namespace PgSecureConnect.Parsing;

/// <summary>
/// Turns libpq keywords into <see cref="ConnectionSettings"/>: validates each value by libpq's rules, maps it to its
/// Npgsql equivalent, and reports every parameter Npgsql cannot honour. All problems are collected, none thrown here.
/// </summary>
internal static class ConnectionSettingsMapper
{
    internal const int DefaultPort = 5432;
    internal const string DefaultHost = "localhost";

    /// <summary>Maps <paramref name="parameters"/> into a builder; the caller builds it once <paramref name="problems"/> is known to be empty.</summary>
    public static ConnectionSettingsBuilder Map(ConnectionParameters parameters, ProblemList problems)
    {
        var settings = new ConnectionSettingsBuilder();
        var context = new MapContext(parameters, problems, settings);
        context.Run();
        settings.Warnings = [.. problems.Warnings];
        return settings;
    }

    private sealed class MapContext(ConnectionParameters parameters, ProblemList problems, ConnectionSettingsBuilder settings)
    {
        public void Run()
        {
            foreach (var keyword in parameters.Keywords.ToArray())
            {
                if (parameters.TryGet(keyword, out var raw) && !IsWellFormedText(raw.Value))
                {
                    // A NUL cannot reach libpq or Npgsql; a lone UTF-16 surrogate cannot be sent as UTF-8.
                    Problem(keyword, "contains a NUL character or an invalid (unpaired surrogate) character, which cannot be sent to PostgreSQL", raw);
                    parameters.Remove(keyword);
                    continue;
                }


                if (ConnectionParameterCatalog.TryGet(keyword, out var definition) && definition.Support == ParameterSupport.NoNpgsqlEquivalent)
                {
                    Problem(keyword, $"'{keyword}' is a libpq parameter that Npgsql cannot honour: {definition.Explanation}");
                }
            }

            MapServers();
            // libpq treats an empty dbname, user or password like an absent one (the default applies).
            MapText(LibpqKeyword.DbName, v => settings.Database = v.Length == 0 ? null : v);
            MapText(LibpqKeyword.User, v => settings.Username = v.Length == 0 ? null : v);
            MapText(LibpqKeyword.Password, v => settings.Password = v.Length == 0 ? null : v);
            MapText(LibpqKeyword.PassFile, v => settings.Passfile = v);
            MapSsl();
            MapAuthentication();
            MapConnection();
            MapPool();
        }

        private void MapServers()
        {
            var hostValue = Get(LibpqKeyword.Host);
            var portValue = Get(LibpqKeyword.Port);
            var hosts = hostValue is { } h ? h.Value.Split(',') : [string.Empty];
            var ports = portValue is { } p ? p.Value.Split(',') : [string.Empty];

            if (ports.Length != 1 && ports.Length != hosts.Length)
            {
                Problem(LibpqKeyword.Port, $"{ports.Length} ports were given for {hosts.Length} hosts; give a single port for all hosts or exactly one port per host, in the same order");
                ports = [string.Empty];
            }

            var servers = new List<ServerEndpoint>(hosts.Length);
            var usedDefaultHost = false;
            var usedDefaultPort = false;
            for (var i = 0; i < hosts.Length; i++)
            {
                var host = hosts[i];
                if (host.Length == 0)
                {
                    host = DefaultHost;
                    usedDefaultHost = true;
                }
                else if (!IsValidHost(host, out var hostError))
                {
                    Problem(LibpqKeyword.Host, hostValue!.Value.MayHoldSecret ? $"a host {hostError}" : $"'{host}' {hostError}");
                    continue;
                }

                var portText = ports.Length == 1 ? ports[0] : ports[i];
                var port = DefaultPort;
                if (portText.Length == 0)
                {
                    usedDefaultPort = true;
                }
                else if (!TryParseLibpqInt(portText, out port) || port is < 1 or > 65535)
                {
                    var shown = portValue!.Value.MayHoldSecret ? "a port" : $"port '{portText}'";
                    Problem(LibpqKeyword.Port, $"{shown} is not a number between 1 and 65535");
                    continue;
                }

                servers.Add(new ServerEndpoint(host, port));
            }

            settings.Servers = servers;
            SetSourceOrDefault(LibpqKeyword.Host, hostValue, usedDefaultHost && hostValue is null);
            SetSourceOrDefault(LibpqKeyword.Port, portValue, usedDefaultPort && portValue is null);
        }

        private void MapSsl()
        {
            settings.SslMode = MapNamed(LibpqKeyword.SslMode, LibpqNames.SslModes);

            MapText(LibpqKeyword.SslRootCert, v => settings.SslRootCertificate = v, allowEmpty: false);
            MapText(LibpqKeyword.SslCert, v => settings.SslCertificate = v, allowEmpty: false);
            MapText(LibpqKeyword.SslKey, v => settings.SslKey = v, allowEmpty: false);
            MapText(LibpqKeyword.SslPassword, v => settings.SslPassword = v);

            settings.SslNegotiation = MapNamed(LibpqKeyword.SslNegotiation, LibpqNames.SslNegotiations);

            if (Get(LibpqKeyword.SslCompression) is { } compression && !IsLibpqFalse(compression.Value))
            {
                Problem(LibpqKeyword.SslCompression, "TLS compression is insecure (CRIME) and not supported by .NET; remove sslcompression or set it to 0");
            }

            if (Get(LibpqKeyword.SslSni) is { } sni && IsLibpqFalse(sni.Value))
            {
                Problem(LibpqKeyword.SslSni, ".NET always sends the host name (SNI) in the TLS handshake; remove sslsni=0");
            }

            if (Get(LibpqKeyword.SslCertMode) is { } certMode)
            {
                switch (certMode.Value)
                {
                    case "allow":
                        break;
                    case "disable":
                        settings.ClientCertificateDisabled = true;
                        SetSource(LibpqKeyword.SslCertMode, certMode);
                        break;
                    case "require":
                        Problem(LibpqKeyword.SslCertMode, "Npgsql cannot insist that the server asks for the client certificate; use sslcertmode=allow (the default) and require certificates on the server (pg_hba.conf 'cert' or clientcert=verify-full)");
                        break;
                    default:
                        Invalid<object?>(certMode, "disable, allow or require");
                        break;
                }
            }

            settings.SslMinProtocolVersion = MapTlsVersion(LibpqKeyword.SslMinProtocolVersion);
            settings.SslMaxProtocolVersion = MapTlsVersion(LibpqKeyword.SslMaxProtocolVersion);
            if (settings.SslMinProtocolVersion > settings.SslMaxProtocolVersion)
            {
                Problem(LibpqKeyword.SslMaxProtocolVersion, "ssl_max_protocol_version is lower than ssl_min_protocol_version");
            }

            if (settings.UsesSystemRootCertificates && settings.SslMode is { } explicitMode && explicitMode != SslMode.VerifyFull)
            {
                // libpq: "weak sslmode may not be used with sslrootcert=system".
                Problem(LibpqKeyword.SslMode, $"sslrootcert=system trusts every public CA, so libpq allows it only with sslmode=verify-full; sslmode is {LibpqNames.Name(explicitMode)}. Use sslmode=verify-full, or give the CA file in sslrootcert");
            }
        }

        private SslProtocols? MapTlsVersion(string keyword)
        {
            if (Get(keyword) is not { } version)
            {
                return null;
            }

            SetSource(keyword, version);
            if (LibpqNames.TlsVersions.TryParse(version.Value, out var protocol))
            {
                return protocol;
            }

            if (version.Value.ToUpperInvariant() is "TLSV1" or "TLSV1.1")
            {
                Problem(keyword, ".NET no longer supports TLS 1.0 and 1.1; use TLSv1.2 or TLSv1.3", version);
                return null;
            }

            return version.Value.Length == 0 ? null : Invalid<SslProtocols?>(version, LibpqNames.TlsVersions.Expected);
        }

        private void MapAuthentication()
        {
            settings.ChannelBinding = MapNamed(LibpqKeyword.ChannelBinding, LibpqNames.ChannelBindings);
            SettingRules.CheckTlsCombinations(settings.SslMode, settings.SslNegotiation, settings.ChannelBinding, isEffectiveMode: false, SourceOf, problems);

            if (Get(LibpqKeyword.RequireAuth) is { } requireAuth)
            {
                if (RequireAuthSyntax.TryValidate(requireAuth.Value, out var error))
                {
                    settings.RequireAuth = requireAuth.Value;
                    SetSource(LibpqKeyword.RequireAuth, requireAuth);
                }
                else
                {
                    Problem(LibpqKeyword.RequireAuth, error!, requireAuth);
                }
            }

            settings.GssEncryptionMode = MapNamed(LibpqKeyword.GssEncMode, LibpqNames.GssEncryptionModes);

            MapText(LibpqKeyword.KrbSrvName, v => settings.KerberosServiceName = v, allowEmpty: false);
        }

        private void MapConnection()
        {
            if (Get(LibpqKeyword.ConnectTimeout) is { } timeout)
            {
                if (TryParseLibpqInt(timeout.Value, out var seconds) && seconds > ConnectionLimits.MaxConnectTimeoutSeconds)
                {
                    Invalid<object?>(timeout, $"a whole number of seconds up to {ConnectionLimits.MaxConnectTimeoutSeconds} (Npgsql's limit; 0 waits forever)");
                }
                else if (TryParseLibpqInt(timeout.Value, out seconds))
                {
                    // libpq: zero or negative waits forever; "the minimum allowed timeout is 2 seconds, therefore a value of 1 is interpreted as 2".
                    settings.ConnectTimeout = seconds <= 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(Math.Max(2, seconds));
                    SetSource(LibpqKeyword.ConnectTimeout, timeout);
                }
                else
                {
                    Invalid<object?>(timeout, "a whole number of seconds (0 waits forever)");
                }
            }

            MapText(LibpqKeyword.ApplicationName, v => settings.ApplicationName = v);
            if (settings.ApplicationName is null && Get(LibpqKeyword.FallbackApplicationName) is { } fallback)
            {
                settings.ApplicationName = fallback.Value;
                settings.SetSource(LibpqKeyword.ApplicationName, fallback.Source);
            }

            MapText(LibpqKeyword.Options, v => settings.Options = v);
            MapText(LibpqKeyword.Schema, v => settings.SearchPath = v, allowEmpty: false);

            if (Get(LibpqKeyword.ClientEncoding) is { } encoding)
            {
                if (encoding.Value.Replace("-", string.Empty, StringComparison.Ordinal).Replace("_", string.Empty, StringComparison.Ordinal).ToUpperInvariant() is "UTF8" or "UNICODE")
                {
                    settings.ClientEncoding = "UTF8";
                    SetSource(LibpqKeyword.ClientEncoding, encoding);
                }
                else
                {
                    Problem(LibpqKeyword.ClientEncoding, $"Npgsql always exchanges text with the server as UTF-8, so client_encoding '{encoding.Value}' cannot be honoured; remove it or set it to UTF8");
                }
            }

            settings.TargetSessionAttributes = MapNamed(LibpqKeyword.TargetSessionAttrs, LibpqNames.TargetSessionAttributes);
            settings.LoadBalanceHosts = MapNamed(LibpqKeyword.LoadBalanceHosts, LibpqNames.LoadBalanceHosts);

            if (Get(LibpqKeyword.Keepalives) is { } keepalives)
            {
                if (TryParseLibpqInt(keepalives.Value, out var on))
                {
                    settings.KeepAlives = on != 0;
                    SetSource(LibpqKeyword.Keepalives, keepalives);
                }
                else
                {
                    Invalid<object?>(keepalives, "1 (on) or 0 (off)");
                }
            }

            settings.KeepAlivesIdle = MapSeconds(LibpqKeyword.KeepalivesIdle);
            settings.KeepAlivesInterval = MapSeconds(LibpqKeyword.KeepalivesInterval);
        }

        private TimeSpan? MapSeconds(string keyword)
        {
            if (Get(keyword) is not { } value)
            {
                return null;
            }

            if (TryParseLibpqInt(value.Value, out var seconds) && seconds >= 0)
            {
                SetSource(keyword, value);

                // libpq: 0 means the operating system default.
                return seconds == 0 ? null : TimeSpan.FromSeconds(seconds);
            }

            return Invalid<TimeSpan?>(value, "a whole number of seconds, 0 or more");
        }

        private void MapPool()
        {
            if (Get(LibpqKeyword.PgBouncer) is { } bouncer)
            {
                switch (bouncer.Value)
                {
                    case "true":
                        settings.PgBouncer = true;
                        SetSource(LibpqKeyword.PgBouncer, bouncer);
                        break;
                    case "false":
                        SetSource(LibpqKeyword.PgBouncer, bouncer);
                        break;
                    default:
                        Invalid<object?>(bouncer, "true or false");
                        break;
                }
            }

            var limit = MapCount(LibpqKeyword.ConnectionLimit, minimum: 1);
            var maxConns = MapCount(LibpqKeyword.PoolMaxConns, minimum: 1);
            if (limit is not null && maxConns is not null && limit != maxConns)
            {
                Problem(LibpqKeyword.PoolMaxConns, $"pool_max_conns ({maxConns}) and connection_limit ({limit}) both set the maximum pool size; keep one");
            }

            settings.MaxPoolSize = maxConns ?? limit;
            if (maxConns is null && limit is not null)
            {
                settings.SetSource(LibpqKeyword.PoolMaxConns, Get(LibpqKeyword.ConnectionLimit)!.Value.Source);
            }

            settings.MinPoolSize = MapCount(LibpqKeyword.PoolMinConns, minimum: 0);
            SettingRules.CheckPoolSizes(settings.MinPoolSize, settings.MaxPoolSize, isEffective: false, SourceOf, problems);

            settings.ConnectionLifetime = MapDuration(LibpqKeyword.PoolMaxConnLifetime);
            settings.ConnectionIdleLifetime = MapDuration(LibpqKeyword.PoolMaxConnIdleTime);

            if (Get(LibpqKeyword.PoolTimeout) is { } poolTimeout)
            {
                if (DurationSyntax.TryParse(poolTimeout.Value, out var value) && value > ConnectionLimits.MaxTimerDuration)
                {
                    Invalid<object?>(poolTimeout, $"a duration of at most {ConnectionLimits.MaxTimerSeconds} seconds (about 49 days; 0 waits forever)");
                }
                else if (DurationSyntax.TryParse(poolTimeout.Value, out value))
                {
                    // Prisma: pool_timeout=0 disables the timeout.
                    settings.PoolTimeout = value == TimeSpan.Zero ? Timeout.InfiniteTimeSpan : value;
                    SetSource(LibpqKeyword.PoolTimeout, poolTimeout);
                }
                else
                {
                    Invalid<object?>(poolTimeout, "a number of seconds or a duration such as 30s, 2m (0 waits forever)");
                }
            }
        }

        private int? MapCount(string keyword, int minimum)
        {
            if (Get(keyword) is not { } value)
            {
                return null;
            }

            if (TryParseLibpqInt(value.Value, out var count) && count >= minimum && count <= 10_000)
            {
                SetSource(keyword, value);
                return count;
            }

            return Invalid<int?>(value, $"a whole number from {minimum} to 10000");
        }

        private TimeSpan? MapDuration(string keyword)
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

        private void MapText(string keyword, Action<string> assign, bool allowEmpty = true)
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

        private T Invalid<T>(ParameterValue value, string expected)
        {
            var keyword = value.Source.Name;
            var shown = value.MayHoldSecret || ConnectionParameterCatalog.IsSecret(keyword) ? "the value" : $"'{value.Value}'";
            Problem(KeywordOf(value), $"{shown} is not valid; expected {expected}", value);
            return default!;
        }

        private ParameterValue? Get(string keyword) => parameters.TryGet(keyword, out var value) ? value : null;

        private string KeywordOf(ParameterValue value)
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

        private void SetSource(string keyword, ParameterValue value) => settings.SetSource(keyword, value.Source);

        private void SetSourceOrDefault(string keyword, ParameterValue? value, bool isDefault)
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

        private void Problem(string keyword, string message, ParameterValue? value = null)
            => problems.Add(keyword, value?.Source ?? Get(keyword)?.Source, message);

        /// <summary>An enumerated keyword: its value by the libpq names, or a problem listing them.</summary>
        private T? MapNamed<T>(string keyword, NamedValues<T> names)
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

        private SettingSource? SourceOf(string keyword) => Get(keyword)?.Source;
    }

    private static bool IsWellFormedText(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\0')
            {
                return false;
            }

            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>libpq's <c>parse_int_param</c>: optional surrounding whitespace, optional sign, decimal digits.</summary>
    internal static bool TryParseLibpqInt(string text, out int value)
        => int.TryParse(text.AsSpan().Trim(" \t\n\v\f\r"), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    private static bool IsLibpqFalse(string value) => TryParseLibpqInt(value, out var number) && number == 0;

    private static bool IsValidHost(string host, out string error)
    {
        if (host.StartsWith('/'))
        {
            error = string.Empty;
            if (host.AsSpan().IndexOfAny('\0', '\n', '\r') >= 0)
            {
                error = "is not a valid socket directory";
                return false;
            }

            return true;
        }

        if (host.StartsWith('@'))
        {
            error = "is an abstract Unix socket, which Npgsql does not support; use a socket directory such as /var/run/postgresql";
            return false;
        }

        if (host.Contains(':', StringComparison.Ordinal))
        {
            error = "is not a valid IPv6 address (in a URL, write IPv6 addresses in brackets: postgresql://[::1]:5432/db)";
            return IPAddress.TryParse(host, out var address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        }

        foreach (var c in host)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c) || c is '@' or '/' or '?' or '#' or '[' or ']' or '%' or '\\' or '\'' or '"' or ';' or '=' or '&')
            {
                error = c == '@'
                    ? "is not a valid host name; if the password or user name contains '@', percent-encode it as %40"
                    : "is not a valid host name, IP address or absolute socket directory";
                return false;
            }
        }

        error = string.Empty;
        return true;
    }
}
