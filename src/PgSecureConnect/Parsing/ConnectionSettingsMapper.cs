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

    public static ConnectionSettings Map(ConnectionParameters parameters, ProblemList problems)
    {
        var settings = new ConnectionSettings();
        var context = new MapContext(parameters, problems, settings);
        context.Run();
        settings.Warnings = [.. problems.Warnings];
        return settings;
    }

    private sealed class MapContext(ConnectionParameters parameters, ProblemList problems, ConnectionSettings settings)
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
            MapText("dbname", v => settings.Database = v.Length == 0 ? null : v);
            MapText("user", v => settings.Username = v.Length == 0 ? null : v);
            MapText("password", v => settings.Password = v.Length == 0 ? null : v);
            MapText("passfile", v => settings.Passfile = v);
            MapSsl();
            MapAuthentication();
            MapConnection();
            MapPool();
        }

        private void MapServers()
        {
            var hostValue = Get("host");
            var portValue = Get("port");
            var hosts = hostValue is { } h ? h.Value.Split(',') : [string.Empty];
            var ports = portValue is { } p ? p.Value.Split(',') : [string.Empty];

            if (ports.Length != 1 && ports.Length != hosts.Length)
            {
                Problem("port", $"{ports.Length} ports were given for {hosts.Length} hosts; give a single port for all hosts or exactly one port per host, in the same order");
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
                    Problem("host", hostValue!.Value.MayHoldSecret ? $"a host {hostError}" : $"'{host}' {hostError}");
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
                    Problem("port", $"{shown} is not a number between 1 and 65535");
                    continue;
                }

                servers.Add(new ServerEndpoint(host, port));
            }

            settings.Servers = servers;
            SetSourceOrDefault("host", hostValue, usedDefaultHost && hostValue is null);
            SetSourceOrDefault("port", portValue, usedDefaultPort && portValue is null);
        }

        private void MapSsl()
        {
            if (Get("sslmode") is { } mode)
            {
                settings.SslMode = mode.Value switch
                {
                    "disable" => SslMode.Disable,
                    "allow" => SslMode.Allow,
                    "prefer" => SslMode.Prefer,
                    "require" => SslMode.Require,
                    "verify-ca" => SslMode.VerifyCA,
                    "verify-full" => SslMode.VerifyFull,

                    // node-postgres (pg-connection-string): encrypted, certificate not checked, which is libpq's require.
                    "no-verify" => SslMode.Require,
                    _ => Invalid<SslMode?>(mode, "disable, allow, prefer, require, verify-ca or verify-full"),
                };
                SetSource("sslmode", mode);
            }

            MapText("sslrootcert", v => settings.SslRootCertificate = v, allowEmpty: false);
            MapText("sslcert", v => settings.SslCertificate = v, allowEmpty: false);
            MapText("sslkey", v => settings.SslKey = v, allowEmpty: false);
            MapText("sslpassword", v => settings.SslPassword = v);

            if (Get("sslnegotiation") is { } negotiation)
            {
                settings.SslNegotiation = negotiation.Value switch
                {
                    "postgres" => Npgsql.SslNegotiation.Postgres,
                    "direct" => Npgsql.SslNegotiation.Direct,
                    _ => Invalid<SslNegotiation?>(negotiation, "postgres or direct"),
                };
                SetSource("sslnegotiation", negotiation);
                if (settings.SslNegotiation == Npgsql.SslNegotiation.Direct && settings.SslMode is not (null or SslMode.Require or SslMode.VerifyCA or SslMode.VerifyFull))
                {
                    Problem("sslnegotiation", $"sslnegotiation=direct needs sslmode require, verify-ca or verify-full (libpq rejects weaker modes with direct negotiation); sslmode is {Format(settings.SslMode)}");
                }
            }

            if (Get("sslcompression") is { } compression && !IsLibpqFalse(compression.Value))
            {
                Problem("sslcompression", "TLS compression is insecure (CRIME) and not supported by .NET; remove sslcompression or set it to 0");
            }

            if (Get("sslsni") is { } sni && IsLibpqFalse(sni.Value))
            {
                Problem("sslsni", ".NET always sends the host name (SNI) in the TLS handshake; remove sslsni=0");
            }

            if (Get("sslcertmode") is { } certMode)
            {
                switch (certMode.Value)
                {
                    case "allow":
                        break;
                    case "disable":
                        settings.ClientCertificateDisabled = true;
                        SetSource("sslcertmode", certMode);
                        break;
                    case "require":
                        Problem("sslcertmode", "Npgsql cannot insist that the server asks for the client certificate; use sslcertmode=allow (the default) and require certificates on the server (pg_hba.conf 'cert' or clientcert=verify-full)");
                        break;
                    default:
                        Invalid<object?>(certMode, "disable, allow or require");
                        break;
                }
            }

            settings.SslMinProtocolVersion = MapTlsVersion("ssl_min_protocol_version");
            settings.SslMaxProtocolVersion = MapTlsVersion("ssl_max_protocol_version");
            if (settings.SslMinProtocolVersion > settings.SslMaxProtocolVersion)
            {
                Problem("ssl_max_protocol_version", "ssl_max_protocol_version is lower than ssl_min_protocol_version");
            }

            if (settings.UsesSystemRootCertificates && settings.SslMode is { } explicitMode && explicitMode != SslMode.VerifyFull)
            {
                // libpq: "weak sslmode may not be used with sslrootcert=system".
                Problem("sslmode", $"sslrootcert=system trusts every public CA, so libpq allows it only with sslmode=verify-full; sslmode is {Format(explicitMode)}. Use sslmode=verify-full, or give the CA file in sslrootcert");
            }
        }

        private SslProtocols? MapTlsVersion(string keyword)
        {
            if (Get(keyword) is not { } version)
            {
                return null;
            }

            SetSource(keyword, version);
            return version.Value.ToUpperInvariant() switch
            {
                "TLSV1.2" => SslProtocols.Tls12,
                "TLSV1.3" => SslProtocols.Tls13,
                "TLSV1" or "TLSV1.1" => Unsupported(version, ".NET no longer supports TLS 1.0 and 1.1; use TLSv1.2 or TLSv1.3"),
                "" => null,
                _ => Invalid<SslProtocols?>(version, "TLSv1.2 or TLSv1.3"),
            };

            SslProtocols? Unsupported(ParameterValue value, string message)
            {
                Problem(keyword, message, value);
                return null;
            }
        }

        private void MapAuthentication()
        {
            if (Get("channel_binding") is { } binding)
            {
                settings.ChannelBinding = binding.Value switch
                {
                    "disable" => Npgsql.ChannelBinding.Disable,
                    "prefer" => Npgsql.ChannelBinding.Prefer,
                    "require" => Npgsql.ChannelBinding.Require,
                    _ => Invalid<ChannelBinding?>(binding, "disable, prefer or require"),
                };
                SetSource("channel_binding", binding);
                if (settings.ChannelBinding == Npgsql.ChannelBinding.Require && settings.SslMode == SslMode.Disable)
                {
                    Problem("channel_binding", "channel_binding=require needs TLS, but sslmode is disable");
                }
            }

            if (Get("require_auth") is { } requireAuth)
            {
                if (RequireAuthSyntax.TryValidate(requireAuth.Value, out var error))
                {
                    settings.RequireAuth = requireAuth.Value;
                    SetSource("require_auth", requireAuth);
                }
                else
                {
                    Problem("require_auth", error!, requireAuth);
                }
            }

            if (Get("gssencmode") is { } gss)
            {
                settings.GssEncryptionMode = gss.Value switch
                {
                    "disable" => Npgsql.GssEncryptionMode.Disable,
                    "prefer" => Npgsql.GssEncryptionMode.Prefer,
                    "require" => Npgsql.GssEncryptionMode.Require,
                    _ => Invalid<GssEncryptionMode?>(gss, "disable, prefer or require"),
                };
                SetSource("gssencmode", gss);
            }

            MapText("krbsrvname", v => settings.KerberosServiceName = v, allowEmpty: false);
        }

        private void MapConnection()
        {
            if (Get("connect_timeout") is { } timeout)
            {
                if (TryParseLibpqInt(timeout.Value, out var seconds) && seconds > ConnectionLimits.MaxConnectTimeoutSeconds)
                {
                    Invalid<object?>(timeout, $"a whole number of seconds up to {ConnectionLimits.MaxConnectTimeoutSeconds} (Npgsql's limit; 0 waits forever)");
                }
                else if (TryParseLibpqInt(timeout.Value, out seconds))
                {
                    // libpq: zero or negative waits forever; "the minimum allowed timeout is 2 seconds, therefore a value of 1 is interpreted as 2".
                    settings.ConnectTimeout = seconds <= 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(Math.Max(2, seconds));
                    SetSource("connect_timeout", timeout);
                }
                else
                {
                    Invalid<object?>(timeout, "a whole number of seconds (0 waits forever)");
                }
            }

            MapText("application_name", v => settings.ApplicationName = v);
            if (settings.ApplicationName is null && Get("fallback_application_name") is { } fallback)
            {
                settings.ApplicationName = fallback.Value;
                settings.SetSource("application_name", fallback.Source);
            }

            MapText("options", v => settings.Options = v);
            MapText("schema", v => settings.SearchPath = v, allowEmpty: false);

            if (Get("client_encoding") is { } encoding)
            {
                if (encoding.Value.Replace("-", string.Empty, StringComparison.Ordinal).Replace("_", string.Empty, StringComparison.Ordinal).ToUpperInvariant() is "UTF8" or "UNICODE")
                {
                    settings.ClientEncoding = "UTF8";
                    SetSource("client_encoding", encoding);
                }
                else
                {
                    Problem("client_encoding", $"Npgsql always exchanges text with the server as UTF-8, so client_encoding '{encoding.Value}' cannot be honoured; remove it or set it to UTF8");
                }
            }

            if (Get("target_session_attrs") is { } target)
            {
                settings.TargetSessionAttributes = target.Value switch
                {
                    "any" => Npgsql.TargetSessionAttributes.Any,
                    "read-write" => Npgsql.TargetSessionAttributes.ReadWrite,
                    "read-only" => Npgsql.TargetSessionAttributes.ReadOnly,
                    "primary" => Npgsql.TargetSessionAttributes.Primary,
                    "standby" => Npgsql.TargetSessionAttributes.Standby,
                    "prefer-standby" => Npgsql.TargetSessionAttributes.PreferStandby,

                    // Not libpq, but Npgsql's own value, so Npgsql connection strings keep their meaning.
                    "prefer-primary" => Npgsql.TargetSessionAttributes.PreferPrimary,
                    _ => Invalid<TargetSessionAttributes?>(target, "any, read-write, read-only, primary, standby or prefer-standby"),
                };
                SetSource("target_session_attrs", target);
            }

            if (Get("load_balance_hosts") is { } balance)
            {
                settings.LoadBalanceHosts = balance.Value switch
                {
                    "disable" => false,
                    "random" => true,
                    _ => Invalid<bool?>(balance, "disable or random"),
                };
                SetSource("load_balance_hosts", balance);
            }

            if (Get("keepalives") is { } keepalives)
            {
                if (TryParseLibpqInt(keepalives.Value, out var on))
                {
                    settings.KeepAlives = on != 0;
                    SetSource("keepalives", keepalives);
                }
                else
                {
                    Invalid<object?>(keepalives, "1 (on) or 0 (off)");
                }
            }

            settings.KeepAlivesIdle = MapSeconds("keepalives_idle");
            settings.KeepAlivesInterval = MapSeconds("keepalives_interval");
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
            if (Get("pgbouncer") is { } bouncer)
            {
                switch (bouncer.Value)
                {
                    case "true":
                        settings.PgBouncer = true;
                        SetSource("pgbouncer", bouncer);
                        break;
                    case "false":
                        SetSource("pgbouncer", bouncer);
                        break;
                    default:
                        Invalid<object?>(bouncer, "true or false");
                        break;
                }
            }

            var limit = MapCount("connection_limit", minimum: 1);
            var maxConns = MapCount("pool_max_conns", minimum: 1);
            if (limit is not null && maxConns is not null && limit != maxConns)
            {
                Problem("pool_max_conns", $"pool_max_conns ({maxConns}) and connection_limit ({limit}) both set the maximum pool size; keep one");
            }

            settings.MaxPoolSize = maxConns ?? limit;
            if (maxConns is null && limit is not null)
            {
                settings.SetSource("pool_max_conns", Get("connection_limit")!.Value.Source);
            }

            settings.MinPoolSize = MapCount("pool_min_conns", minimum: 0);
            if (settings.MinPoolSize > settings.MaxPoolSize)
            {
                Problem("pool_min_conns", $"the minimum pool size ({settings.MinPoolSize}) is larger than the maximum ({settings.MaxPoolSize})");
            }

            settings.ConnectionLifetime = MapDuration("pool_max_conn_lifetime");
            settings.ConnectionIdleLifetime = MapDuration("pool_max_conn_idle_time");

            if (Get("pool_timeout") is { } poolTimeout)
            {
                if (DurationSyntax.TryParse(poolTimeout.Value, out var value) && value > ConnectionLimits.MaxTimerDuration)
                {
                    Invalid<object?>(poolTimeout, $"a duration of at most {ConnectionLimits.MaxTimerSeconds} seconds (about 49 days; 0 waits forever)");
                }
                else if (DurationSyntax.TryParse(poolTimeout.Value, out value))
                {
                    // Prisma: pool_timeout=0 disables the timeout.
                    settings.PoolTimeout = value == TimeSpan.Zero ? Timeout.InfiniteTimeSpan : value;
                    SetSource("pool_timeout", poolTimeout);
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

        private static string Format(SslMode? mode) => mode switch
        {
            null => "not set",
            SslMode.VerifyCA => "verify-ca",
            SslMode.VerifyFull => "verify-full",
            _ => mode.Value.ToString().ToLowerInvariant(),
        };
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
