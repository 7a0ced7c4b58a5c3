namespace PgSecureConnect;

/// <summary>
/// What a factory accepts as the SSL mode of its servers. Hosts on this machine (<c>localhost</c>, 127.0.0.0/8,
/// <c>::1</c>) and Unix-domain sockets are exempt from the checks of every policy: traffic to them never crosses a
/// network.
/// </summary>
public enum SslPolicy
{
    /// <summary>
    /// The default. Remote servers must use <c>sslmode</c> <c>require</c>, <c>verify-ca</c> or <c>verify-full</c>;
    /// <c>disable</c>, <c>allow</c> and <c>prefer</c> are a configuration error. When <c>sslmode</c> is not given it
    /// becomes <c>verify-full</c> if a root certificate is configured and <c>require</c> otherwise. Local servers
    /// default to <c>prefer</c>, as in libpq.
    /// </summary>
    RequireEncryption = 0,

    /// <summary>
    /// Remote servers must use <c>verify-full</c>: encrypted, certificate chained to a trusted CA (the
    /// <c>sslrootcert</c> file or the operating system's store) and issued for the host name. When <c>sslmode</c> is
    /// not given it becomes <c>verify-full</c>; an explicit weaker mode is a configuration error.
    /// </summary>
    VerifyFull = 1,

    /// <summary>
    /// No checks: <c>disable</c>, <c>allow</c> and <c>prefer</c> are accepted for remote servers, and an unspecified
    /// mode stays libpq's default, <c>prefer</c>. A warning is logged when a remote server may be reached without
    /// encryption. Use it only for networks you trust.
    /// </summary>
    AllowInsecure = 2,
}
