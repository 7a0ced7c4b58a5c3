using Npgsql;
using PgSecureConnect.Parsing;

namespace PgSecureConnect.Security;

/// <summary>
/// Decides the effective <c>sslmode</c> from the settings and the <see cref="SslPolicy"/>, following libpq's rules
/// (https://www.postgresql.org/docs/current/libpq-ssl.html#LIBPQ-SSL-PROTECTION) where Npgsql differs:
/// <list type="bullet">
/// <item><c>require</c> with a root certificate file means <c>verify-ca</c> (libpq verifies the chain whenever a root
/// certificate is given; Npgsql's <c>Require</c> never does).</item>
/// <item><c>sslrootcert=system</c> makes the default mode <c>verify-full</c> (and weaker explicit modes an error).</item>
/// </list>
/// and then applies the policy to remote servers: loopback hosts and Unix sockets are exempt.
/// </summary>
internal static class SslModeResolver
{
    public static void Resolve(ConnectionSettings settings, SslPolicy policy, ProblemList problems)
    {
        var remote = settings.Servers.Where(s => !s.IsLocal).ToList();
        var hasRootFile = settings.SslRootCertificate is not null && !settings.UsesSystemRootCertificates;
        var explicitMode = settings.SslMode;

        SslMode effective;
        string reason;
        if (explicitMode is null)
        {
            (effective, reason) = (settings.UsesSystemRootCertificates, remote.Count > 0, policy, hasRootFile) switch
            {
                (true, _, _, _) => (SslMode.VerifyFull, "sslrootcert=system"),
                (false, true, SslPolicy.VerifyFull, _) => (SslMode.VerifyFull, "SslPolicy.VerifyFull, remote server"),
                (false, true, SslPolicy.RequireEncryption, true) => (SslMode.VerifyFull, "SslPolicy.RequireEncryption, remote server, root certificate given"),
                (false, true, SslPolicy.RequireEncryption, false) => (SslMode.Require, "SslPolicy.RequireEncryption, remote server, no root certificate"),
                (false, true, SslPolicy.AllowInsecure, _) => (SslMode.Prefer, "SslPolicy.AllowInsecure: libpq's default"),
                (false, false, _, _) => (SslMode.Prefer, "local servers only: libpq's default"),

                // An undefined policy (callers validate it first) gets the strictest mode, never a weaker one.
                _ => (SslMode.VerifyFull, "SslPolicy.VerifyFull, remote server"),
            };
            settings.SslMode = effective;
            settings.SetSource("sslmode", new SettingSource(SettingSourceKind.Policy, "sslmode", reason));
        }
        else
        {
            effective = explicitMode.Value;
            if (effective == SslMode.Require && hasRootFile)
            {
                effective = SslMode.VerifyCA;
                settings.SslMode = effective;
            }
        }

        var modeSource = settings.GetSource("sslmode");
        if (remote.Count > 0)
        {
            var hosts = string.Join(", ", remote.Select(r => r.Host).Distinct());
            var hostWord = remote.Count == 1 ? "the remote host" : "the remote hosts";
            if (policy == SslPolicy.VerifyFull && settings.GssEncryptionMode is Npgsql.GssEncryptionMode.Prefer or Npgsql.GssEncryptionMode.Require)
            {
                // A GSS-encrypted session skips TLS, and with it the certificate check SslPolicy.VerifyFull promises.
                problems.Add("gssencmode", settings.GetSource("gssencmode"),
                    $"gssencmode={settings.GssEncryptionMode.ToString()!.ToLowerInvariant()} may replace TLS with GSSAPI encryption, which checks no server certificate, and SslPolicy.VerifyFull requires a verified certificate for {hostWord} {hosts}; " +
                    "use gssencmode=disable (the default), or choose SslPolicy.RequireEncryption to accept Kerberos-authenticated encryption");
            }

            switch (policy)
            {
                case SslPolicy.RequireEncryption when effective is SslMode.Disable or SslMode.Allow or SslMode.Prefer:
                    problems.Add("sslmode", modeSource,
                        $"sslmode={UrlWriter.SslModeName(effective)} would let the connection to {hostWord} {hosts} run without encryption, which SslPolicy.RequireEncryption (the default) forbids. " +
                        "Use sslmode=verify-full with sslrootcert=<the server's CA file> (or sslmode=require to encrypt without verifying the server); " +
                        "to accept plaintext deliberately on a trusted network, set ConnectionFactoryOptions.SslPolicy = SslPolicy.AllowInsecure");
                    break;
                case SslPolicy.VerifyFull when effective != SslMode.VerifyFull:
                    var why = explicitMode == SslMode.Require && effective == SslMode.VerifyCA
                        ? "sslmode=require with a root certificate means verify-ca, which checks the CA but not the host name"
                        : $"sslmode={UrlWriter.SslModeName(effective)} does not check that the certificate was issued for {hosts}";
                    problems.Add("sslmode", modeSource,
                        $"{why}, and SslPolicy.VerifyFull requires verify-full for {hostWord} {hosts}. Use sslmode=verify-full (with sslrootcert=<CA file>, or sslrootcert=system for a public CA), or choose SslPolicy.RequireEncryption");
                    break;
            }
        }

        if (settings.SslNegotiation == SslNegotiation.Direct && effective is SslMode.Disable or SslMode.Allow or SslMode.Prefer)
        {
            problems.Add("sslnegotiation", settings.GetSource("sslnegotiation"),
                $"sslnegotiation=direct needs sslmode require, verify-ca or verify-full; the effective sslmode is {UrlWriter.SslModeName(effective)}");
        }

        if (settings.ChannelBinding == ChannelBinding.Require)
        {
            if (effective == SslMode.Disable)
            {
                problems.Add("channel_binding", settings.GetSource("channel_binding"), "channel_binding=require needs TLS, but the effective sslmode is disable");
            }

            // Channel binding only exists in SCRAM: refuse servers that ask for MD5 or a cleartext password instead.
            if (settings.RequireAuth is null)
            {
                settings.RequireAuth = "scram-sha-256";
                settings.SetSource("require_auth", new SettingSource(SettingSourceKind.Policy, "require_auth", "channel_binding=require"));
            }
            else if (settings.RequireAuth != "scram-sha-256")
            {
                problems.Add("require_auth", settings.GetSource("require_auth"),
                    $"channel_binding=require only works with SCRAM, but require_auth={settings.RequireAuth} allows other methods; use require_auth=scram-sha-256 or leave it unset");
            }
        }
    }

    /// <summary>Whether a connection with <paramref name="mode"/> may run unencrypted.</summary>
    public static bool MayBePlaintext(SslMode mode) => mode is SslMode.Disable or SslMode.Allow or SslMode.Prefer;
}
