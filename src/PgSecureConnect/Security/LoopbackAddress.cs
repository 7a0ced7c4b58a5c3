using System.Net;

namespace PgSecureConnect.Security;

/// <summary>
/// Decides whether a host names this machine. Only <c>localhost</c> itself, addresses in 127.0.0.0/8 and <c>::1</c>
/// (also IPv4-mapped) count; a name that merely resolves to loopback does not, because DNS can change without the
/// configuration changing. That includes names under <c>.localhost</c>: RFC 6761 asks resolvers to keep them local,
/// but many send them to DNS, and a Kubernetes search domain turns <c>db.localhost</c> into a cluster service.
/// </summary>
internal static class LoopbackAddress
{
    public static bool IsLoopback(string host)
    {
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        var candidate = host.Length > 2 && host[0] == '[' && host[^1] == ']' ? host[1..^1] : host;
        return IPAddress.TryParse(candidate, out var address) && IsLiteralAddress(candidate) && IPAddress.IsLoopback(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address);
    }

    // IPAddress.TryParse accepts "127.1" and plain numbers; libpq and users mean dotted quads or IPv6 literals.
    private static bool IsLiteralAddress(string candidate)
        => candidate.Contains(':', StringComparison.Ordinal) || candidate.Count(c => c == '.') == 3;
}
