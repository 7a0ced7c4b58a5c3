using PgSecureConnect.Connecting;

namespace PgSecureConnect.Hosting.Internal;

/// <summary>The per-server state behind the public factories (their own per-server pools, the offline memory).</summary>
internal static class FactoryInternals
{
    public static IReadOnlyList<HostState> HostsOf(IConnectionFactory factory)
        => ConnectionFactoryCore.Of(factory)?.Hosts ?? throw new ArgumentException($"{factory.GetType()} is not one of PgSecureConnect's factories.", nameof(factory));

    /// <summary>How old the credentials in use are, when they can change (secret files, a provider); else <see langword="null"/>.</summary>
    public static TimeSpan? CredentialAgeOf(IConnectionFactory factory) => ConnectionFactoryCore.Of(factory)?.CredentialAge;
}
