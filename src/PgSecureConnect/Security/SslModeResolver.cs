using Npgsql;
using PgSecureConnect.Internal;

namespace PgSecureConnect.Security;

/// <summary>
/// Decides the effective <c>sslmode</c> from the settings and the <see cref="SslPolicy"/>, following libpq's rules
/// (https://www.postgresql.org/docs/current/libpq-ssl.html#LIBPQ-SSL-PROTECTION) where Npgsql differs:
/// <list type="bullet">
/// <item><c>require</c> with a root certificate file means <c>verify-ca</c> (libpq verifies the chain whenever a root
/// certificate is given; Npgsql's <c>Require</c> never does).</item>
/// <item><c>sslrootcert=system</c> makes the default mode <c>verify-full</c> (and weaker explicit modes an error).</item>
/// </list>
/// and then applies the policy to remote servers: loopback hosts and Unix sockets are exempt. It returns its decision
/// (<see cref="SslDecision"/>) and leaves the settings as they are.
/// </summary>
internal static class SslModeResolver
{
    public static SslDecision Resolve(ConnectionSettings settings, SslPolicy policy, ProblemList problems)
    {
        var remote = settings.Servers.Where(s => !s.IsLocal).ToList();
        var hasRootFile = settings.SslRootCertificate is not null && !settings.UsesSystemRootCertificates;
        var explicitMode = settings.SslMode;

        SslMode effective;
        SettingSource? policySource = null;
        if (explicitMode is null)
        {
            string reason;
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
            policySource = new SettingSource(SettingSourceKind.Policy, LibpqKeyword.SslMode, reason);
        }
        else
        {
            effective = explicitMode.Value == SslMode.Require && hasRootFile ? SslMode.VerifyCA : explicitMode.Value;
        }

        var modeSource = policySource ?? settings.GetSource(LibpqKeyword.SslMode);
        if (remote.Count > 0)
        {
            var hosts = string.Join(", ", remote.Select(r => r.Host).Distinct());
            var hostWord = remote.Count == 1 ? "the remote host" : "the remote hosts";
            if (policy == SslPolicy.VerifyFull && settings.GssEncryptionMode is Npgsql.GssEncryptionMode.Prefer or Npgsql.GssEncryptionMode.Require)
            {
                // A GSS-encrypted session skips TLS, and with it the certificate check SslPolicy.VerifyFull promises.
                problems.Add(LibpqKeyword.GssEncMode, settings.GetSource(LibpqKeyword.GssEncMode),
                    $"gssencmode={settings.GssEncryptionMode.ToString()!.ToLowerInvariant()} may replace TLS with GSSAPI encryption, which checks no server certificate, and SslPolicy.VerifyFull requires a verified certificate for {hostWord} {hosts}; " +
                    "use gssencmode=disable (the default), or choose SslPolicy.RequireEncryption to accept Kerberos-authenticated encryption");
            }

            switch (policy)
            {
                case SslPolicy.RequireEncryption when effective is SslMode.Disable or SslMode.Allow or SslMode.Prefer:
                    problems.Add(LibpqKeyword.SslMode, modeSource,
                        $"sslmode={LibpqNames.Name(effective)} would let the connection to {hostWord} {hosts} run without encryption, which SslPolicy.RequireEncryption (the default) forbids. " +
                        "Use sslmode=verify-full with sslrootcert=<the server's CA file> (or sslmode=require to encrypt without verifying the server); " +
                        "to accept plaintext deliberately on a trusted network, set ConnectionFactoryOptions.SslPolicy = SslPolicy.AllowInsecure");
                    break;
                case SslPolicy.VerifyFull when effective != SslMode.VerifyFull:
                    var why = explicitMode == SslMode.Require && effective == SslMode.VerifyCA
                        ? "sslmode=require with a root certificate means verify-ca, which checks the CA but not the host name"
                        : $"sslmode={LibpqNames.Name(effective)} does not check that the certificate was issued for {hosts}";
                    problems.Add(LibpqKeyword.SslMode, modeSource,
                        $"{why}, and SslPolicy.VerifyFull requires verify-full for {hostWord} {hosts}. Use sslmode=verify-full (with sslrootcert=<CA file>, or sslrootcert=system for a public CA), or choose SslPolicy.RequireEncryption");
                    break;
            }
        }

        // Channel binding only exists in SCRAM: refuse servers that ask for MD5 or a cleartext password instead.
        var requireAuth = settings.RequireAuth;
        SettingSource? requireAuthSource = null;
        if (settings.ChannelBinding == ChannelBinding.Require)
        {
            if (requireAuth is null)
            {
                requireAuth = "scram-sha-256";
                requireAuthSource = new SettingSource(SettingSourceKind.Policy, LibpqKeyword.RequireAuth, "channel_binding=require");
            }
            else if (requireAuth != "scram-sha-256")
            {
                problems.Add(LibpqKeyword.RequireAuth, settings.GetSource(LibpqKeyword.RequireAuth),
                    $"channel_binding=require only works with SCRAM, but require_auth={requireAuth} allows other methods; use require_auth=scram-sha-256 or leave it unset");
            }
        }

        return new SslDecision(effective, policySource, requireAuth, requireAuthSource);
    }

    /// <summary>Whether a connection with <paramref name="mode"/> may run unencrypted.</summary>
    public static bool MayBePlaintext(SslMode mode) => mode is SslMode.Disable or SslMode.Allow or SslMode.Prefer;
}

/// <summary>What <see cref="SslModeResolver"/> decided.</summary>
/// <param name="Mode">The effective <c>sslmode</c>.</param>
/// <param name="ModeSource">Set when the policy chose the mode (none was given): why.</param>
/// <param name="RequireAuth">The effective <c>require_auth</c>.</param>
/// <param name="RequireAuthSource">Set when the decision added <c>require_auth</c> (for <c>channel_binding=require</c>).</param>
internal readonly record struct SslDecision(SslMode Mode, SettingSource? ModeSource, string? RequireAuth, SettingSource? RequireAuthSource);
