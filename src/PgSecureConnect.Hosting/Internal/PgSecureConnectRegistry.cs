namespace PgSecureConnect.Hosting.Internal;

/// <summary>
/// Every database registered in one service collection (kept in it as an instance), so that registering a name twice,
/// or two unkeyed databases, fails at once instead of the last registration silently winning.
/// </summary>
internal sealed class PgSecureConnectRegistry
{
    private readonly List<PgSecureConnectRegistration> _registrations = [];

    public IReadOnlyList<PgSecureConnectRegistration> Registrations => _registrations;

    public void Add(PgSecureConnectRegistration registration)
    {
        lock (_registrations)
        {
            if (_registrations.FirstOrDefault(r => string.Equals(r.Name, registration.Name, StringComparison.OrdinalIgnoreCase)) is { } sameName)
            {
                throw new InvalidOperationException(
                    $"PgSecureConnect: the database '{registration.Name}' is already registered ({sameName}). Register each database once; " +
                    "for several databases give each its own name (AddKeyedPgSecureConnect(\"orders\"), AddKeyedPgSecureConnect(\"billing\")).");
            }

            if (!registration.Keyed && _registrations.FirstOrDefault(r => !r.Keyed) is { } unkeyed)
            {
                throw new InvalidOperationException(
                    $"PgSecureConnect: '{unkeyed.Name}' is already registered as the unkeyed IConnectionFactory, so '{registration.Name}' cannot be too. " +
                    $"Use AddKeyedPgSecureConnect(\"{registration.Name}\") and resolve it with GetRequiredKeyedService<IConnectionFactory>(\"{registration.Name}\").");
            }

            _registrations.Add(registration);
        }
    }
}
