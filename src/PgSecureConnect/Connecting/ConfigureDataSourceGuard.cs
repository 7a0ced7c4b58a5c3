using System.Net.Security;
using System.Reflection;
using Npgsql;
using PgSecureConnect.Internal;

namespace PgSecureConnect.Connecting;

/// <summary>
/// Keeps <see cref="ConnectionFactoryOptions.ConfigureDataSource"/> from undoing what the settings and the
/// <see cref="SslPolicy"/> decided. Connection and security settings changed by the hook are refused (they belong in the
/// URL or variables, where the policy sees them); a TLS options callback set by the hook is composed with the
/// factory's certificate verification instead of replacing it (Npgsql keeps only one such callback). Reading the
/// callbacks the hook set needs Npgsql's private fields; a test pins their names, and should they ever be missing the
/// factory's own callback is installed last, so verification still holds.
/// </summary>
internal static class ConfigureDataSourceGuard
{
    private const BindingFlags Private = BindingFlags.Instance | BindingFlags.NonPublic;
    private static readonly FieldInfo? InternalBuilder = typeof(NpgsqlDataSourceBuilder).GetField("_internalBuilder", Private);
    private static readonly FieldInfo? SslOptionsCallback = typeof(NpgsqlSlimDataSourceBuilder).GetField("_sslClientAuthenticationOptionsCallback", Private);
    private static readonly FieldInfo? UserValidationCallback = typeof(NpgsqlSlimDataSourceBuilder).GetField("_userCertificateValidationCallback", Private);
    private static readonly FieldInfo? ClientCertificatesCallback = typeof(NpgsqlSlimDataSourceBuilder).GetField("_clientCertificatesCallback", Private);
    private static readonly FieldInfo? TransportSecurityHandler = typeof(NpgsqlSlimDataSourceBuilder).GetField("_transportSecurityHandler", Private);

    /// <summary>Whether this Npgsql version lets the guard see the callbacks a hook set.</summary>
    internal static bool CanInspectCallbacks => InternalBuilder is not null && SslOptionsCallback is not null
        && UserValidationCallback is not null && ClientCertificatesCallback is not null && TransportSecurityHandler is not null;

    /// <summary>The connection string properties a hook may not change, with the libpq keyword that sets each.</summary>
    private static readonly (string Property, string Keyword, Func<NpgsqlConnectionStringBuilder, object?> Read)[] Guarded =
    [
        (nameof(NpgsqlConnectionStringBuilder.Host), LibpqKeyword.Host, b => b.Host),
        (nameof(NpgsqlConnectionStringBuilder.Port), LibpqKeyword.Port, b => b.Port),
        (nameof(NpgsqlConnectionStringBuilder.Username), LibpqKeyword.User, b => b.Username),
        (nameof(NpgsqlConnectionStringBuilder.Password), LibpqKeyword.Password, b => b.Password),
        (nameof(NpgsqlConnectionStringBuilder.Passfile), LibpqKeyword.PassFile, b => b.Passfile),
        (nameof(NpgsqlConnectionStringBuilder.SslMode), LibpqKeyword.SslMode, b => b.SslMode),
        (nameof(NpgsqlConnectionStringBuilder.RootCertificate), LibpqKeyword.SslRootCert, b => b.RootCertificate),
        (nameof(NpgsqlConnectionStringBuilder.SslCertificate), LibpqKeyword.SslCert, b => b.SslCertificate),
        (nameof(NpgsqlConnectionStringBuilder.SslKey), LibpqKeyword.SslKey, b => b.SslKey),
        (nameof(NpgsqlConnectionStringBuilder.SslPassword), LibpqKeyword.SslPassword, b => b.SslPassword),
        (nameof(NpgsqlConnectionStringBuilder.SslNegotiation), LibpqKeyword.SslNegotiation, b => b.SslNegotiation),
        (nameof(NpgsqlConnectionStringBuilder.GssEncryptionMode), LibpqKeyword.GssEncMode, b => b.GssEncryptionMode),
        (nameof(NpgsqlConnectionStringBuilder.ChannelBinding), LibpqKeyword.ChannelBinding, b => b.ChannelBinding),
        (nameof(NpgsqlConnectionStringBuilder.RequireAuth), LibpqKeyword.RequireAuth, b => b.RequireAuth),
        (nameof(NpgsqlConnectionStringBuilder.TargetSessionAttributes), LibpqKeyword.TargetSessionAttrs, b => b.TargetSessionAttributes),
        (nameof(NpgsqlConnectionStringBuilder.LoadBalanceHosts), LibpqKeyword.LoadBalanceHosts, b => b.LoadBalanceHosts),
        (nameof(NpgsqlConnectionStringBuilder.Options), LibpqKeyword.Options, b => b.Options),
    ];

    /// <summary>What the builder looked like before the hook ran.</summary>
    public static object?[] Snapshot(NpgsqlDataSourceBuilder builder)
        => [.. Guarded.Select(g => g.Read(builder.ConnectionStringBuilder)), .. Callbacks(builder)];

    /// <summary>
    /// Checks what the hook changed; returns the TLS options callback it installed (to be composed with the factory's),
    /// or <see langword="null"/>. Refused changes become problems naming <c>ConfigureDataSource</c>.
    /// </summary>
    public static Action<SslClientAuthenticationOptions>? Inspect(NpgsqlDataSourceBuilder builder, object?[] before, Action<SslClientAuthenticationOptions>? ours, ProblemList problems)
    {
        var source = new SettingSource(SettingSourceKind.Policy, "ConfigureDataSource", "ConnectionFactoryOptions.ConfigureDataSource");
        var changed = new List<(string Property, string Keyword)>();
        for (var i = 0; i < Guarded.Length; i++)
        {
            if (!Equals(before[i], Guarded[i].Read(builder.ConnectionStringBuilder)))
            {
                changed.Add((Guarded[i].Property, Guarded[i].Keyword));
            }
        }

        if (changed.Count > 0)
        {
            problems.Add("ConfigureDataSource", source,
                $"ConfigureDataSource changed {string.Join(", ", changed.Select(c => c.Property))}, which PgSecureConnect sets from the connection settings so that " +
                $"the SslPolicy checks them and the factory routes to the right server; set {string.Join(", ", changed.Select(c => c.Keyword))} in the URL or variables instead");
        }

        if (!CanInspectCallbacks)
        {
            return null;
        }

        var after = Callbacks(builder);
        var callbacksBefore = before.AsSpan(Guarded.Length);
        if (!ReferenceEquals(after[1], callbacksBefore[1]) || !ReferenceEquals(after[2], callbacksBefore[2]))
        {
            problems.Add("ConfigureDataSource", source,
                "ConfigureDataSource called UseUserCertificateValidationCallback or UseClientCertificate(s), which would replace PgSecureConnect's certificate verification; " +
                "use UseSslClientAuthenticationOptionsCallback instead (PgSecureConnect runs it and still verifies the server), and give client certificates in sslcert/sslkey");
        }

        if (!ReferenceEquals(after[3], callbacksBefore[3]))
        {
            problems.Add("ConfigureDataSource", source,
                "ConfigureDataSource called UseRootCertificate(s)(Callback), which PgSecureConnect would not use: give the CA certificate file in sslrootcert (DB_SSLROOTCERT)");
        }

        var callback = (Action<SslClientAuthenticationOptions>?)after[0];
        return callback is null || ReferenceEquals(callback, ours) ? null : callback;
    }

    private static object?[] Callbacks(NpgsqlDataSourceBuilder builder)
    {
        if (!CanInspectCallbacks || InternalBuilder!.GetValue(builder) is not { } slim)
        {
            return [null, null, null, null];
        }

        var transport = TransportSecurityHandler!.GetValue(slim);
        var roots = transport?.GetType().GetProperty("RootCertificatesCallback", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)?.GetValue(transport);
        return [SslOptionsCallback!.GetValue(slim), UserValidationCallback!.GetValue(slim), ClientCertificatesCallback!.GetValue(slim), roots];
    }

    /// <summary>
    /// Runs the caller's TLS callback, then puts back what the factory must decide: the target host name, encryption,
    /// its certificate check (both must accept), the TLS version floor, the chain policy and the client certificate.
    /// </summary>
    public static Action<SslClientAuthenticationOptions> Compose(Action<SslClientAuthenticationOptions> caller, Action<SslClientAuthenticationOptions> ours)
        => options =>
        {
            // The host name verify-full checks is the TargetHost Npgsql set: the caller may not move it, nor turn
            // encryption off (EncryptionPolicy), whatever else it changes.
            var targetHost = options.TargetHost;
            caller(options);
            var theirs = options.RemoteCertificateValidationCallback;
            options.TargetHost = targetHost;
            options.EncryptionPolicy = EncryptionPolicy.RequireEncryption;
            ours(options);
            if (theirs is not null && options.RemoteCertificateValidationCallback is { } verify)
            {
                options.RemoteCertificateValidationCallback = (sender, certificate, chain, errors)
                    => verify(sender, certificate, chain, errors) && theirs(sender, certificate, chain, errors);
            }
        };
}
