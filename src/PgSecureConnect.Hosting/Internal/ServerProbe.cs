using System.Diagnostics;
using System.Globalization;
using Npgsql;
using PgSecureConnect.Connecting;

namespace PgSecureConnect.Hosting.Internal;

/// <summary>
/// Checks one server for the health check through its own pool: one query for the role and the TLS protocol
/// (<c>pg_stat_ssl</c>), timed as the round trip. A server the factory already knows to be down is reported from that
/// memory, without waiting on it.
/// </summary>
internal static class ServerProbe
{
    private const string Query =
        "SELECT pg_is_in_recovery(), current_setting('default_transaction_read_only'), (SELECT version FROM pg_stat_ssl WHERE pid = pg_backend_pid())";

    public static async Task<PgSecureConnectServerHealth> CheckAsync(HostState host, TimeProvider time, CancellationToken cancellationToken)
    {
        if (host.IsOffline)
        {
            return new PgSecureConnectServerHealth
            {
                Server = host.Server.ToString(),
                MarkedOffline = true,
                FailureKind = ConnectionFailureKind.Unreachable,
                Error = "could not be reached by a recent open; skipped until the factory's background check reaches it again",
            };
        }

        try
        {
            var connection = await OpenBoundedAsync(host.DataSource, cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var command = new NpgsqlCommand(Query, connection);
                await using (command.ConfigureAwait(false))
                {
                    var started = Stopwatch.GetTimestamp();
                    var reader = await command.ExecuteReaderAsync(cancellationToken).WaitAsync(cancellationToken).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                        var roundTrip = Stopwatch.GetElapsedTime(started);
                        var role = reader.GetBoolean(0) ? ServerRole.Standby
                            : string.Equals(reader.GetString(1), "on", StringComparison.OrdinalIgnoreCase) ? ServerRole.ReadOnlyPrimary
                            : ServerRole.Primary;
                        host.Role = role;
                        var certificate = host.Certificate;
                        return new PgSecureConnectServerHealth
                        {
                            Server = host.Server.ToString(),
                            Reachable = true,
                            Role = SessionTargetCheck.Describe(role),
                            RoundTripTime = roundTrip,
                            TlsProtocol = reader.IsDBNull(2) ? null : reader.GetString(2),
                            ChainVerified = certificate?.ChainVerified,
                            HostNameVerified = certificate?.HostNameVerified,
                            CertificateNotAfter = certificate?.NotAfter,
                            CertificateExpiresInDays = certificate is null ? null : Math.Round((certificate.NotAfter - time.GetUtcNow()).TotalDays, 2),
                        };
                    }
                }
            }
        }
        catch (Exception e)
        {
            var cause = e is OperationCanceledException ? new TimeoutException("no answer within the health check timeout", e) : e;
            var classification = TransientFailureClassifier.Classify(cause);
            var description = classification.Kind == ConnectionFailureKind.Certificate && TransientFailureClassifier.RejectedByValidationCallback(cause) && host.TakeCertificateRejection() is { } why
                ? why
                : classification.Description;
            return new PgSecureConnectServerHealth
            {
                Server = host.Server.ToString(),
                FailureKind = classification.Kind,
                Error = description,
                ChainVerified = host.Certificate?.ChainVerified,
                HostNameVerified = host.Certificate?.HostNameVerified,
                CertificateNotAfter = host.Certificate?.NotAfter,
                CertificateExpiresInDays = host.Certificate is { } c ? Math.Round((c.NotAfter - time.GetUtcNow()).TotalDays, 2) : null,
            };
        }
    }

    /// <summary>
    /// Opens from <paramref name="dataSource"/>, never waiting past <paramref name="cancellationToken"/> (Npgsql stops
    /// watching the token once TCP is up); a connection that arrives later is closed.
    /// </summary>
    public static async Task<NpgsqlConnection> OpenBoundedAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
        => await BoundedOpen.WaitAsync(dataSource.OpenConnectionAsync(cancellationToken), cancellationToken).ConfigureAwait(false);
}
