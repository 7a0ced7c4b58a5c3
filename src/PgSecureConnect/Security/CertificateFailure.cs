using System.Globalization;
using System.Security.Cryptography.X509Certificates;

namespace PgSecureConnect.Security;

/// <summary>Says in plain words why a server certificate was rejected: expired, untrusted CA, or wrong host name.</summary>
internal static class CertificateFailure
{
    public static string Describe(X509Certificate2 server, bool chainValid, bool nameValid, string host, bool customRoots)
    {
        var reasons = new List<string>();
        var now = DateTime.Now;
        if (server.NotAfter < now)
        {
            reasons.Add($"it expired on {Format(server.NotAfter)}");
        }
        else if (server.NotBefore > now)
        {
            reasons.Add($"it is not valid before {Format(server.NotBefore)}");
        }
        else if (!chainValid)
        {
            reasons.Add(customRoots
                ? $"it is not signed by the CA in sslrootcert (issuer: {server.Issuer})"
                : $"it is not signed by a CA the operating system trusts (issuer: {server.Issuer}); give the CA file in sslrootcert");
        }

        if (!nameValid)
        {
            var names = server.GetNameInfo(X509NameType.DnsName, forIssuer: false);
            reasons.Add($"it was issued for '{names}', not for '{host}' (verify-full checks the host name)");
        }

        return "certificate verification failed: " + string.Join("; ", reasons);
    }

    private static string Format(DateTime time) => time.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
