using PgSecureConnect.Testing.Internal;

namespace PgSecureConnect.Testing;

/// <summary>
/// A Linux network namespace joined to this host by a veth pair: a second "machine" with a non-loopback IPv4 address
/// (<c>10.213.X.2</c>) that this process reaches over the pair. Start servers in it with
/// <see cref="PostgresServerOptions.NetworkNamespace"/>. Needs root. Disposing it kills what runs inside and deletes it.
/// </summary>
public sealed class NetworkNamespaceHost : IAsyncDisposable, IDisposable
{
    private readonly PostgresTestBed? _bed;
    private int _disposed;

    internal NetworkNamespaceHost(PostgresTestBed? bed, string name, string hostInterface, string address)
    {
        _bed = bed;
        Name = name;
        HostInterface = hostInterface;
        Address = address;
    }

    /// <summary>The namespace's name (as in <c>ip netns list</c>), e.g. <c>pgsecure-1234-5678-1</c>.</summary>
    public string Name { get; }

    /// <summary>The namespace side's IPv4 address, e.g. <c>10.213.7.2</c>: reachable from this process, and not loopback.</summary>
    public string Address { get; }

    internal string HostInterface { get; }

    /// <summary>
    /// Cuts the link to the namespace (the host end of the veth pair goes down): packets either way are dropped, established
    /// TCP connections hang instead of being reset, new connections fail with "no route to host". Undo with <see cref="ReconnectAsync"/>.
    /// </summary>
    /// <param name="cancellationToken">Cancels the command.</param>
    /// <returns>A task that completes when the link is down.</returns>
    public Task DisconnectAsync(CancellationToken cancellationToken = default) => NetworkNamespaces.SetHostLinkAsync(HostInterface, up: false, cancellationToken);

    /// <summary>Restores the link <see cref="DisconnectAsync"/> cut; connections that survived it carry on.</summary>
    /// <param name="cancellationToken">Cancels the command.</param>
    /// <returns>A task that completes when the link is up.</returns>
    public Task ReconnectAsync(CancellationToken cancellationToken = default) => NetworkNamespaces.SetHostLinkAsync(HostInterface, up: true, cancellationToken);

    /// <summary>Kills the processes still inside, deletes the namespace and the veth pair.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _bed?.Forget(this);
        NetworkNamespaces.Delete(Name, HostInterface);
    }

    /// <inheritdoc cref="Dispose" />
    /// <returns>A task that completes when the namespace is gone.</returns>
    public ValueTask DisposeAsync() => new(Task.Run(Dispose));

    /// <inheritdoc />
    public override string ToString() => $"{Name} ({Address})";
}
