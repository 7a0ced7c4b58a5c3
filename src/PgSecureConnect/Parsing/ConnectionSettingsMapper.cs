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
        : ParameterReadContext(parameters, problems, settings)
    {
        public void Run()
        {
            var swallowed = new List<SettingSource>();
            foreach (var keyword in Parameters.Keywords.ToArray())
            {
                if (Parameters.TryGet(keyword, out var raw) && !LibpqSyntax.IsWellFormedText(raw.Value))
                {
                    // A NUL cannot reach libpq or Npgsql; a lone UTF-16 surrogate cannot be sent as UTF-8.
                    Problem(keyword, "contains a NUL character or an invalid (unpaired surrogate) character, which cannot be sent to PostgreSQL", raw);
                    Parameters.Remove(keyword);
                    continue;
                }

                if (Parameters.TryGet(keyword, out raw) && !ConnectionParameterCatalog.IsSecret(keyword) && LibpqSyntax.HoldsPasswordAssignment(raw.Value))
                {
                    // libpq would send the swallowed password to the server as this parameter (a database name, say),
                    // and any message quoting the value would show it: refused, and never quoted.
                    Problem(keyword,
                        $"the value of {keyword} contains a password assignment ('password=', not shown), so a quoting or encoding mistake made it swallow a password; " +
                        "in a keyword/value string quote values with spaces (dbname='my db') and give every keyword a value; in a URL percent-encode '@' as %40 and '&' as %26", raw);
                    Parameters.Remove(keyword);
                    swallowed.Add(raw.Source);
                    continue;
                }

                if (ConnectionParameterCatalog.TryGet(keyword, out var definition) && definition.Support == ParameterSupport.NoNpgsqlEquivalent)
                {
                    Problem(keyword, $"'{keyword}' is a libpq parameter that Npgsql cannot honour: {definition.Explanation}");
                }
            }

            // A value cut from the same text (the port of an Npgsql "Host=h:port") holds part of that password too.
            foreach (var keyword in Parameters.Keywords.ToArray())
            {
                if (Parameters.TryGet(keyword, out var value) && !value.MayHoldSecret && swallowed.Contains(value.Source))
                {
                    Parameters.Set(keyword, value.Value, value.Source, mayHoldSecret: true);
                }
            }

            MapServers();
            // libpq treats an empty dbname, user or password like an absent one (the default applies).
            MapText(LibpqKeyword.DbName, v => Settings.Database = v.Length == 0 ? null : v);
            MapText(LibpqKeyword.User, v => Settings.Username = v.Length == 0 ? null : v);
            MapText(LibpqKeyword.Password, v => Settings.Password = v.Length == 0 ? null : v);
            MapText(LibpqKeyword.PassFile, v => Settings.Passfile = v);
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
                else if (!LibpqSyntax.IsValidHost(host, out var hostError))
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
                else if (!LibpqSyntax.TryParseLibpqInt(portText, out port) || port is < 1 or > 65535)
                {
                    var shown = portValue!.Value.MayHoldSecret ? "a port" : $"port '{portText}'";
                    Problem(LibpqKeyword.Port, $"{shown} is not a number between 1 and 65535");
                    continue;
                }

                servers.Add(new ServerEndpoint(host, port));
            }

            Settings.Servers = servers;
            SetSourceOrDefault(LibpqKeyword.Host, hostValue, usedDefaultHost && hostValue is null);
            SetSourceOrDefault(LibpqKeyword.Port, portValue, usedDefaultPort && portValue is null);
        }

        private void MapSsl()
        {
            Settings.SslMode = MapNamed(LibpqKeyword.SslMode, LibpqNames.SslModes);

            MapText(LibpqKeyword.SslRootCert, v => Settings.SslRootCertificate = v, allowEmpty: false);
            MapText(LibpqKeyword.SslCert, v => Settings.SslCertificate = v, allowEmpty: false);
            MapText(LibpqKeyword.SslKey, v => Settings.SslKey = v, allowEmpty: false);
            MapText(LibpqKeyword.SslPassword, v => Settings.SslPassword = v);

            Settings.SslNegotiation = MapNamed(LibpqKeyword.SslNegotiation, LibpqNames.SslNegotiations);

            if (Get(LibpqKeyword.SslCompression) is { } compression && !LibpqSyntax.IsLibpqFalse(compression.Value))
            {
                Problem(LibpqKeyword.SslCompression, "TLS compression is insecure (CRIME) and not supported by .NET; remove sslcompression or set it to 0");
            }

            if (Get(LibpqKeyword.SslSni) is { } sni && LibpqSyntax.IsLibpqFalse(sni.Value))
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
                        Settings.ClientCertificateDisabled = true;
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

            Settings.SslMinProtocolVersion = MapTlsVersion(LibpqKeyword.SslMinProtocolVersion);
            Settings.SslMaxProtocolVersion = MapTlsVersion(LibpqKeyword.SslMaxProtocolVersion);
            if (Settings.SslMinProtocolVersion > Settings.SslMaxProtocolVersion)
            {
                Problem(LibpqKeyword.SslMaxProtocolVersion, "ssl_max_protocol_version is lower than ssl_min_protocol_version");
            }

            if (Settings.UsesSystemRootCertificates && Settings.SslMode is { } explicitMode && explicitMode != SslMode.VerifyFull)
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
            Settings.ChannelBinding = MapNamed(LibpqKeyword.ChannelBinding, LibpqNames.ChannelBindings);
            SettingRules.CheckTlsCombinations(Settings.SslMode, Settings.SslNegotiation, Settings.ChannelBinding, isEffectiveMode: false, SourceOf, Problems);

            if (Get(LibpqKeyword.RequireAuth) is { } requireAuth)
            {
                if (RequireAuthSyntax.TryValidate(requireAuth.Value, out var error))
                {
                    Settings.RequireAuth = requireAuth.Value;
                    SetSource(LibpqKeyword.RequireAuth, requireAuth);
                }
                else
                {
                    Problem(LibpqKeyword.RequireAuth, error!, requireAuth);
                }
            }

            Settings.GssEncryptionMode = MapNamed(LibpqKeyword.GssEncMode, LibpqNames.GssEncryptionModes);

            MapText(LibpqKeyword.KrbSrvName, v => Settings.KerberosServiceName = v, allowEmpty: false);
        }

        private void MapConnection()
        {
            if (Get(LibpqKeyword.ConnectTimeout) is { } timeout)
            {
                if (LibpqSyntax.TryParseLibpqInt(timeout.Value, out var seconds) && seconds > ConnectionLimits.MaxConnectTimeoutSeconds)
                {
                    Invalid<object?>(timeout, $"a whole number of seconds up to {ConnectionLimits.MaxConnectTimeoutSeconds} (Npgsql's limit; 0 waits forever)");
                }
                else if (LibpqSyntax.TryParseLibpqInt(timeout.Value, out seconds))
                {
                    // libpq: zero or negative waits forever; "the minimum allowed timeout is 2 seconds, therefore a value of 1 is interpreted as 2".
                    Settings.ConnectTimeout = seconds <= 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(Math.Max(2, seconds));
                    SetSource(LibpqKeyword.ConnectTimeout, timeout);
                }
                else
                {
                    Invalid<object?>(timeout, "a whole number of seconds (0 waits forever)");
                }
            }

            MapText(LibpqKeyword.ApplicationName, v => Settings.ApplicationName = v);
            if (Settings.ApplicationName is null && Get(LibpqKeyword.FallbackApplicationName) is { } fallback)
            {
                Settings.ApplicationName = fallback.Value;
                Settings.SetSource(LibpqKeyword.ApplicationName, fallback.Source);
            }

            MapText(LibpqKeyword.Options, v => Settings.Options = v);
            MapText(LibpqKeyword.Schema, v => Settings.SearchPath = v, allowEmpty: false);

            if (Get(LibpqKeyword.ClientEncoding) is { } encoding)
            {
                if (encoding.Value.Replace("-", string.Empty, StringComparison.Ordinal).Replace("_", string.Empty, StringComparison.Ordinal).ToUpperInvariant() is "UTF8" or "UNICODE")
                {
                    Settings.ClientEncoding = "UTF8";
                    SetSource(LibpqKeyword.ClientEncoding, encoding);
                }
                else
                {
                    var shown = encoding.MayHoldSecret ? "client_encoding" : $"client_encoding '{encoding.Value}'";
                    Problem(LibpqKeyword.ClientEncoding, $"Npgsql always exchanges text with the server as UTF-8, so {shown} cannot be honoured; remove it or set it to UTF8");
                }
            }

            Settings.TargetSessionAttributes = MapNamed(LibpqKeyword.TargetSessionAttrs, LibpqNames.TargetSessionAttributes);
            Settings.LoadBalanceHosts = MapNamed(LibpqKeyword.LoadBalanceHosts, LibpqNames.LoadBalanceHosts);

            if (Get(LibpqKeyword.Keepalives) is { } keepalives)
            {
                if (LibpqSyntax.TryParseLibpqInt(keepalives.Value, out var on))
                {
                    Settings.KeepAlives = on != 0;
                    SetSource(LibpqKeyword.Keepalives, keepalives);
                }
                else
                {
                    Invalid<object?>(keepalives, "1 (on) or 0 (off)");
                }
            }

            Settings.KeepAlivesIdle = MapSeconds(LibpqKeyword.KeepalivesIdle);
            Settings.KeepAlivesInterval = MapSeconds(LibpqKeyword.KeepalivesInterval);
        }

        private void MapPool()
        {
            if (Get(LibpqKeyword.PgBouncer) is { } bouncer)
            {
                switch (bouncer.Value)
                {
                    case "true":
                        Settings.PgBouncer = true;
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

            Settings.MaxPoolSize = maxConns ?? limit;
            if (maxConns is null && limit is not null)
            {
                Settings.SetSource(LibpqKeyword.PoolMaxConns, Get(LibpqKeyword.ConnectionLimit)!.Value.Source);
            }

            Settings.MinPoolSize = MapCount(LibpqKeyword.PoolMinConns, minimum: 0);
            SettingRules.CheckPoolSizes(Settings.MinPoolSize, Settings.MaxPoolSize, isEffective: false, SourceOf, Problems);

            Settings.ConnectionLifetime = MapDuration(LibpqKeyword.PoolMaxConnLifetime);
            Settings.ConnectionIdleLifetime = MapDuration(LibpqKeyword.PoolMaxConnIdleTime);

            if (Get(LibpqKeyword.PoolTimeout) is { } poolTimeout)
            {
                if (DurationSyntax.TryParse(poolTimeout.Value, out var value) && value > ConnectionLimits.MaxTimerDuration)
                {
                    Invalid<object?>(poolTimeout, $"a duration of at most {ConnectionLimits.MaxTimerSeconds} seconds (about 49 days; 0 waits forever)");
                }
                else if (DurationSyntax.TryParse(poolTimeout.Value, out value))
                {
                    // Prisma: pool_timeout=0 disables the timeout.
                    Settings.PoolTimeout = value == TimeSpan.Zero ? Timeout.InfiniteTimeSpan : value;
                    SetSource(LibpqKeyword.PoolTimeout, poolTimeout);
                }
                else
                {
                    Invalid<object?>(poolTimeout, "a number of seconds or a duration such as 30s, 2m (0 waits forever)");
                }
            }
        }
    }
}
