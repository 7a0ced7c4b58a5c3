namespace PgSecureConnect.Hosting;

/// <summary>
/// What the health check found of one server; the value of each server's entry in <c>HealthReportEntry.Data</c>,
/// keyed by <c>host:port</c>. Holds no password, key password or URL.
/// </summary>
public sealed class PgSecureConnectServerHealth
{
    /// <summary>The server, <c>host:port</c>.</summary>
    public required string Server { get; init; }

    /// <summary>Whether the server answered a query during this check.</summary>
    public bool Reachable { get; init; }

    /// <summary>Whether the factory already knew the server to be unreachable, so it was not probed (its background check brings it back).</summary>
    public bool MarkedOffline { get; init; }

    /// <summary>What the server is: <c>primary</c>, <c>read-only primary</c>, <c>standby</c>, or <c>unknown</c> when it did not answer.</summary>
    public string Role { get; init; } = "unknown";

    /// <summary>The time of one query round trip on an open connection, when the server answered.</summary>
    public TimeSpan? RoundTripTime { get; init; }

    /// <summary>The TLS protocol of the connection (for example <c>TLSv1.3</c>), or <see langword="null"/> when it is not encrypted or unknown.</summary>
    public string? TlsProtocol { get; init; }

    /// <summary>Whether the certificate chain was verified against a trusted root; <see langword="null"/> when no certificate was seen.</summary>
    public bool? ChainVerified { get; init; }

    /// <summary>Whether the certificate was verified to name the host (<c>verify-full</c>); <see langword="null"/> when no certificate was seen.</summary>
    public bool? HostNameVerified { get; init; }

    /// <summary>When the server certificate expires; <see langword="null"/> when no certificate was seen.</summary>
    public DateTimeOffset? CertificateNotAfter { get; init; }

    /// <summary>Days until the server certificate expires (negative once expired); <see langword="null"/> when no certificate was seen.</summary>
    public double? CertificateExpiresInDays { get; init; }

    /// <summary>The kind of failure when the server did not answer.</summary>
    public ConnectionFailureKind? FailureKind { get; init; }

    /// <summary>Why the server did not answer, without secrets.</summary>
    public string? Error { get; init; }
}
