using System.Globalization;
using System.Security.Cryptography.X509Certificates;

namespace PgSecureConnect.Security;

/// <summary>
/// Says in plain words why a server certificate was rejected: expired, not for server use, untrusted CA, or wrong host
/// name. Every name and issuer is quoted through <see cref="UntrustedText"/>: the server chose them.
/// </summary>
internal static class CertificateFailure
{
    public static string Describe(X509Certificate2 server, bool chainValid, X509ChainStatusFlags status, bool nameValid, string host, bool customRoots, DateTime utcNow)
    {
        var reasons = new List<string>();
        if (server.NotAfter.ToUniversalTime() < utcNow)
        {
            reasons.Add($"it expired on {Format(server.NotAfter)}");
        }
        else if (server.NotBefore.ToUniversalTime() > utcNow)
        {
            reasons.Add($"it is not valid before {Format(server.NotBefore)}");
        }
        else if (!chainValid && (status & X509ChainStatusFlags.NotValidForUsage) != 0)
        {
            // libpq (OpenSSL) says "unsupported certificate purpose".
            reasons.Add("it is not allowed for server authentication (unsupported certificate purpose: its extended key usage lacks serverAuth)");
        }
        else if (!chainValid)
        {
            var issuer = UntrustedText.Escape(server.Issuer);
            reasons.Add(customRoots
                ? $"it is not signed by the CA in sslrootcert (issuer: {issuer})"
                : $"it is not signed by a CA the operating system trusts (issuer: {issuer}); give the CA file in sslrootcert");
        }

        if (!nameValid)
        {
            var names = UntrustedText.Escape(server.GetNameInfo(X509NameType.DnsName, forIssuer: false));
            reasons.Add($"it was issued for '{names}', not for '{UntrustedText.Escape(host)}' (verify-full checks the host name)");
        }

        return "certificate verification failed: " + string.Join("; ", reasons);
    }

    private static string Format(DateTime time) => time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
