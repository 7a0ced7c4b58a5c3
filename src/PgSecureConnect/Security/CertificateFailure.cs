using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace PgSecureConnect.Security;

/// <summary>
/// Says in plain words why a server certificate was rejected (wrong host name, untrusted CA, expired), since .NET
/// only reports that the validation callback rejected it.
/// </summary>
internal static class CertificateFailure
{
    public static string Describe(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, string host, X509Certificate2Collection? roots)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return "the server sent no certificate";
        }

        using var server = new X509Certificate2(certificate);
        var reasons = new List<string>();
        var now = DateTime.Now;
        if (server.NotAfter < now)
        {
            reasons.Add($"it expired on {server.NotAfter.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)}");
        }
        else if (server.NotBefore > now)
        {
            reasons.Add($"it is not valid before {server.NotBefore.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture)}");
        }

        if (!ChainsTo(server, chain, roots))
        {
            reasons.Add(roots is null
                ? "it is not signed by a CA the operating system trusts"
                : "it is not signed by the CA in sslrootcert");
        }

        if (!server.MatchesHostname(host, allowWildcards: true, allowCommonName: true))
        {
            var names = server.GetNameInfo(X509NameType.DnsName, forIssuer: false);
            reasons.Add($"it was issued for '{names}', not for '{host}'");
        }

        return reasons.Count == 0 ? $"the certificate was rejected ({errors})" : "the certificate was rejected: " + string.Join("; ", reasons);
    }

    private static bool ChainsTo(X509Certificate2 server, X509Chain? presented, X509Certificate2Collection? roots)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid;
        if (roots is not null)
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        }

        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(server);
    }
}
