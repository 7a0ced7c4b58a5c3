namespace PgSecureConnect.Hosting.Internal;

/// <summary>
/// One <c>AddPgSecureConnect</c> call: the database name, whether its services are keyed, the caller's delegates. Also the (private) service key of its <see cref="PgSecureConnectDatabase"/>.
/// </summary>
internal sealed class PgSecureConnectRegistration(
    string name,
    bool keyed,
    Action<ConnectionFactoryOptions>? configure,
    Action<PgSecureConnectHostingOptions>? configureHosting)
{
    public string Name { get; } = name;

    public bool Keyed { get; } = keyed;

    public Action<ConnectionFactoryOptions>? Configure { get; } = configure;

    public Action<PgSecureConnectHostingOptions>? ConfigureHosting { get; } = configureHosting;

    public string HealthCheckName => HostingDefaults.HealthCheckNameFor(Name);

    public override string ToString() => Keyed ? $"keyed PgSecureConnect '{Name}'" : $"PgSecureConnect '{Name}'";
}
