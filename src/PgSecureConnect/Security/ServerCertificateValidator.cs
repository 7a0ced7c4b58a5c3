using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Npgsql;

namespace PgSecureConnect.Security;

/// <summary>
/// Verifies the server certificate the way libpq does for the effective <c>sslmode</c>
/// (https://www.postgresql.org/docs/current/libpq-ssl.html#LIBPQ-SSL-SSLMODE-STATEMENTS): <c>verify-full</c> checks the
/// chain and the host name, <c>verify-ca</c> the chain only, and the weaker modes nothing, except that libpq checks the
/// chain in any mode when a root certificate file is given. Npgsql is told <c>Require</c> and leaves verification to
/// this callback, which also says why a certificate was rejected (.NET only reports that a callback rejected it).
/// </summary>
internal sealed class ServerCertificateValidator(SslMode mode, X509Certificate2Collection? roots)
{
    /// <summary>Receives the reason for each rejection, with the host it was for.</summary>
    public Action<string, string>? Rejected { get; init; }

    /// <summary>Receives what each handshake showed of the certificate (expiry, what was verified).</summary>
    public Action<ServerCertificateInfo>? Observed { get; init; }

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        var checkChain = mode is SslMode.VerifyCA or SslMode.VerifyFull || roots is not null;
        if (!checkChain)
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
        var chainValid = roots is null
            ? (errors & SslPolicyErrors.RemoteCertificateChainErrors) == 0
            : ChainsToRoots(server, chain);
        var nameValid = mode != SslMode.VerifyFull || server.MatchesHostname(host, allowWildcards: true, allowCommonName: true);
        Observed?.Invoke(new ServerCertificateInfo(server.NotAfter.ToUniversalTime(), chainValid, chainValid && nameValid && mode == SslMode.VerifyFull, server.Subject));
        if (chainValid && nameValid)
        {
            return true;
        }

        Rejected?.Invoke(host, CertificateFailure.Describe(server, chainValid, nameValid, host, roots is not null));
        return false;
    }

    private void ObserveUnverified(X509Certificate? certificate)
    {
        if (Observed is { } observed && certificate is not null)
        {
            using var server = new X509Certificate2(certificate);
            observed(new ServerCertificateInfo(server.NotAfter.ToUniversalTime(), ChainVerified: false, HostNameVerified: false, server.Subject));
        }
    }

    private bool ChainsToRoots(X509Certificate2 server, X509Chain? presented)
    {
        using var custom = new X509Chain();
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(roots!);
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return custom.Build(server);
    }
}
