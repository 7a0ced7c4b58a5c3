using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PgSecureConnect.Internal;

namespace PgSecureConnect.Security;

/// <summary>
/// The client certificate (<c>sslcert</c>, <c>sslkey</c>, <c>sslpassword</c>), loaded once by PgSecureConnect rather
/// than per connection by Npgsql: the key password then never enters a connection string (Npgsql's data source
/// exposes and logs its connection string with every secret but <c>Password</c>), a wrong path, password or
/// permission is reported when the factory is created, and only this certificate is ever presented.
/// </summary>
internal sealed class ClientCertificate : IDisposable
{
    private readonly X509Certificate2 _leaf;
    private readonly X509Certificate2Collection _intermediates;

    private ClientCertificate(X509Certificate2 leaf, X509Certificate2Collection intermediates)
    {
        _leaf = leaf;
        _intermediates = intermediates;

        // Intermediates must travel in a context: SslClientAuthenticationOptions.ClientCertificates sends only the leaf.
        Context = SslStreamCertificateContext.Create(leaf, intermediates, offline: true);
    }

    public SslStreamCertificateContext Context { get; }

    /// <summary>Loads the certificate and key; problems are added to <paramref name="problems"/> under the keyword at fault.</summary>
    public static ClientCertificate? Load(string certificatePath, string? keyPath, string? password, SettingSource? certificateSource, SettingSource? keySource, ProblemList problems)
    {
        var isPkcs12 = string.Equals(Path.GetExtension(certificatePath), ".pfx", StringComparison.OrdinalIgnoreCase)
            || string.Equals(Path.GetExtension(certificatePath), ".p12", StringComparison.OrdinalIgnoreCase);
        if (!File.Exists(certificatePath))
        {
            problems.Add(LibpqKeyword.SslCert, certificateSource, $"the client certificate file '{certificatePath}' does not exist; point sslcert (DB_SSLCERT) at the PEM file of the client certificate, or remove it");
            return null;
        }

        var privateKeyPath = isPkcs12 ? certificatePath : keyPath ?? Path.ChangeExtension(certificatePath, ".key");
        var privateKeyKeyword = isPkcs12 ? LibpqKeyword.SslCert : LibpqKeyword.SslKey;
        var privateKeySource = isPkcs12 ? certificateSource : keySource;
        if (!File.Exists(privateKeyPath))
        {
            problems.Add(privateKeyKeyword, privateKeySource, $"the client key file '{privateKeyPath}' does not exist; point sslkey (DB_SSLKEY) at the client certificate's private key");
            return null;
        }

        if (SecretFilePermissions.Check(privateKeyPath) is { } tooOpen)
        {
            problems.Add(privateKeyKeyword, privateKeySource, $"the client key file '{privateKeyPath}' {tooOpen}");
            return null;
        }

        try
        {
            if (isPkcs12)
            {
#if NET9_0_OR_GREATER
                var all = X509CertificateLoader.LoadPkcs12CollectionFromFile(certificatePath, password);
#else
                var all = new X509Certificate2Collection();
                all.Import(certificatePath, password, X509KeyStorageFlags.DefaultKeySet);
#endif
                var leaf = all.FirstOrDefault(c => c.HasPrivateKey)
                    ?? throw new CryptographicException("no certificate with a private key in the file");
                all.Remove(leaf);
                return new ClientCertificate(leaf, all);
            }

            var first = string.IsNullOrEmpty(password)
                ? X509Certificate2.CreateFromPemFile(certificatePath, privateKeyPath)
                : X509Certificate2.CreateFromEncryptedPemFile(certificatePath, password, privateKeyPath);
            var chain = new X509Certificate2Collection();
            chain.ImportFromPemFile(certificatePath);
            var intermediates = new X509Certificate2Collection();
            foreach (var certificate in chain.Skip(1))
            {
                intermediates.Add(certificate);
            }

            chain[0].Dispose();
            return new ClientCertificate(first, intermediates);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            // .NET's messages name neither the password nor the key; still, say only what kind of failure it was.
            var why = e switch
            {
                UnauthorizedAccessException => "cannot be read by this process (check its permissions)",
                IOException => "cannot be read",
                _ when !string.IsNullOrEmpty(password) => "cannot be decrypted with sslpassword, or does not match the certificate",
                _ => "is not a PEM certificate with its private key (an encrypted key needs sslpassword), or the key does not match the certificate",
            };
            problems.Add(privateKeyKeyword, privateKeySource, $"the client certificate '{certificatePath}' with key '{privateKeyPath}' {why}");
            return null;
        }
    }

    public void Dispose()
    {
        _leaf.Dispose();
        foreach (var certificate in _intermediates)
        {
            certificate.Dispose();
        }
    }
}
