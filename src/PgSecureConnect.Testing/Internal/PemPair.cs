namespace PgSecureConnect.Testing.Internal;

/// <summary>A certificate and its private key, both PEM.</summary>
internal sealed record PemPair(string CertificatePem, string PrivateKeyPem);
