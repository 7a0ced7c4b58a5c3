using PgSecureConnect.Connecting;

namespace PgSecureConnect.Hosting.Internal;

/// <summary>The per-server state behind the public factories (their own per-server pools, the offline memory).</summary>
internal static class FactoryInternals
{
    public static IReadOnlyList<HostState> HostsOf(IConnectionFactory factory) => factory switch
    {
        UrlConnectionFactory url => url.Core.Hosts,
        VariablesConnectionFactory variables => variables.Core.Hosts,
        _ => throw new ArgumentException($"{factory.GetType()} is not one of PgSecureConnect's factories.", nameof(factory)),
    };
}
