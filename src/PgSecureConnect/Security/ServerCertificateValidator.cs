using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Npgsql;

namespace PgSecureConnect.Security;

/// <summary>
/// Verifies the server certificate the way libpq does for the effective <c>sslmode</c>
/// (https://www.postgresql.org/docs/current/libpq-ssl.html#LIBPQ-SSL-SSLMODE-STATEMENTS): <c>verify-full</c> checks the
/// chain and the host name, <c>verify-ca</c> the chain only, and the weaker modes nothing, except that libpq checks the
/// chain in any mode when a root certificate file is given. Npgsql is told <c>Require</c> and leaves verification to
/// this callback, which also says why a certificate was rejected (.NET only reports that a callback rejected it).
/// As in libpq (OpenSSL's <c>X509_PURPOSE_SSL_SERVER</c>), the certificate must be allowed for server authentication,
/// and nothing is downloaded while building the chain (no AIA fetch, no revocation check).
/// </summary>
internal sealed class ServerCertificateValidator(SslMode mode, X509Certificate2Collection? roots, TimeProvider timeProvider)
{
    /// <summary>The extended key usage for TLS servers (id-kp-serverAuth).</summary>
    internal static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1", "Server Authentication");

    /// <summary>Receives the reason for each rejection, with the host it was for.</summary>
    public Action<string, string>? Rejected { get; init; }

    /// <summary>Receives what each handshake showed of the certificate (expiry, what was verified), for health checks and metrics.</summary>
    public Action<ServerCertificateInfo>? Observed { get; init; }

    /// <summary>Whether this mode checks anything at all.</summary>
    public bool Verifies => mode is SslMode.VerifyCA or SslMode.VerifyFull || roots is not null;

    /// <summary>
    /// The chain policy .NET's <see cref="SslStream"/> uses before this callback runs (system trust store): the server
    /// purpose, and no download of missing intermediates or revocation lists.
    /// </summary>
    public static X509ChainPolicy CreateSystemChainPolicy()
    {
        var policy = new X509ChainPolicy
        {
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
        };
        policy.ApplicationPolicy.Add(ServerAuthentication);
        return policy;
    }

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (!Verifies)
        {
            ObserveUnverified(certificate);
            return true;
        }

        var host = (sender as SslStream)?.TargetHostName ?? string.Empty;
        if (certificate is null)
        {
            Rejected?.Invoke(host, "the server sent no certificate");
            return false;
        }

        using var server = new X509Certificate2(certificate);
        X509ChainStatusFlags status;
        bool chainValid;
        if (roots is null)
        {
            chainValid = (errors & SslPolicyErrors.RemoteCertificateChainErrors) == 0;
            status = chainValid ? X509ChainStatusFlags.NoError : Flags(chain);
        }
        else
        {
            (chainValid, status) = ChainsToRoots(server, chain);
        }

        var nameValid = mode != SslMode.VerifyFull || server.MatchesHostname(host, allowWildcards: true, allowCommonName: true);
        Observed?.Invoke(new ServerCertificateInfo(server.NotAfter.ToUniversalTime(), chainValid, chainValid && nameValid && mode == SslMode.VerifyFull, UntrustedText.Escape(server.Subject)));
        if (chainValid && nameValid)
        {
            return true;
        }

        var now = timeProvider.GetUtcNow().UtcDateTime;
        Rejected?.Invoke(host, CertificateFailure.Describe(server, chainValid, status, nameValid, host, roots is not null, now));
        return false;
    }

    private void ObserveUnverified(X509Certificate? certificate)
    {
        if (Observed is { } observed && certificate is not null)
        {
            using var server = new X509Certificate2(certificate);
            observed(new ServerCertificateInfo(server.NotAfter.ToUniversalTime(), ChainVerified: false, HostNameVerified: false, UntrustedText.Escape(server.Subject)));
        }
    }

    private (bool Valid, X509ChainStatusFlags Status) ChainsToRoots(X509Certificate2 server, X509Chain? presented)
    {
        using var custom = new X509Chain();
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        custom.ChainPolicy.DisableCertificateDownloads = true;
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.VerificationTime = timeProvider.GetUtcNow().UtcDateTime;
        custom.ChainPolicy.ApplicationPolicy.Add(ServerAuthentication);
        custom.ChainPolicy.CustomTrustStore.AddRange(roots!);
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        var valid = custom.Build(server);
        return (valid, valid ? X509ChainStatusFlags.NoError : Flags(custom));
    }

    private static X509ChainStatusFlags Flags(X509Chain? chain)
    {
        var flags = X509ChainStatusFlags.NoError;
        foreach (var status in chain?.ChainStatus ?? [])
        {
            flags |= status.Status;
        }

        return flags;
    }
}
