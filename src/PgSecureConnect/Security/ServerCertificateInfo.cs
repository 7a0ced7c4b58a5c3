namespace PgSecureConnect.Security;

/// <summary>
/// What the last TLS handshake with a server showed of its certificate, recorded by
/// <see cref="ServerCertificateValidator"/> for health checks and metrics. Holds no key material.
/// </summary>
/// <param name="NotAfter">When the server certificate expires (UTC).</param>
/// <param name="ChainVerified">The chain was checked and leads to a trusted root.</param>
/// <param name="HostNameVerified">The certificate was checked against the host name and names it.</param>
/// <param name="Subject">The certificate's subject, for reports.</param>
internal sealed record ServerCertificateInfo(DateTimeOffset NotAfter, bool ChainVerified, bool HostNameVerified, string Subject);
