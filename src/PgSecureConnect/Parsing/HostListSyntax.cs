using PgSecureConnect.Internal;
namespace PgSecureConnect.Parsing;

/// <summary>
/// <c>DB_HOST</c> may carry ports the way people write them (<c>db1:5433,db2</c>, <c>[::1]:5433</c>); libpq's
/// <c>host</c> keyword may not. This moves such ports into the <c>port</c> list, with <c>DB_PORT</c> as the port of
/// the hosts that name none.
/// </summary>
internal static class HostListSyntax
{
    public static void SplitEmbeddedPorts(ConnectionParameters parameters, ProblemList problems)
    {
        if (!parameters.TryGet(LibpqKeyword.Host, out var host))
        {
            return;
        }

        var items = host.Value.Split(',');
        var hosts = new string[items.Length];
        var ports = new string?[items.Length];
        var anyEmbedded = false;
        for (var i = 0; i < items.Length; i++)
        {
            (hosts[i], ports[i]) = SplitItem(items[i].Trim());
            anyEmbedded |= ports[i] is not null;
        }

        if (!anyEmbedded)
        {
            // Our own variables are forgiving about spaces after commas; libpq's host keyword is not, so tidy them here.
            var tidy = string.Join(',', hosts);
            if (tidy != host.Value)
            {
                parameters.Set(LibpqKeyword.Host, tidy, host.Source);
            }

            return;
        }

        parameters.TryGet(LibpqKeyword.Port, out var port);
        var portItems = port.Value?.Split(',') ?? [];
        if (portItems.Length > 1)
        {
            problems.Add(port.Source.Name, port.Source,
                $"{host.Source.Name} already gives ports (host:port), so {port.Source.Name} may hold at most one port, used for the hosts without one; it holds {portItems.Length}");
            return;
        }

        var fallback = portItems.Length == 1 ? portItems[0] : string.Empty;
        parameters.Set(LibpqKeyword.Host, string.Join(',', hosts), host.Source);
        parameters.Set(LibpqKeyword.Port, string.Join(',', ports.Select(p => p ?? fallback)), host.Source);
    }

    private static (string Host, string? Port) SplitItem(string item)
    {
        if (item.StartsWith('[') && item.IndexOf(']', StringComparison.Ordinal) is var close and > 0)
        {
            var address = item[1..close];
            return close + 1 < item.Length && item[close + 1] == ':' ? (address, item[(close + 2)..]) : (address, null);
        }

        var colon = item.IndexOf(':', StringComparison.Ordinal);

        // Several colons without brackets: a bare IPv6 address, which cannot carry a port.
        return colon < 0 || item.IndexOf(':', colon + 1) >= 0 || item.StartsWith('/') ? (item, null) : (item[..colon], item[(colon + 1)..]);
    }
}
