using System.Text;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Containers;
using Testcontainers.PostgreSql;

namespace PgSecureConnect.ContainerTests.Infrastructure;

/// <summary>
/// PgBouncer (transaction pooling, SCRAM) in a container of its own, in front of a PostgreSQL container that it reaches
/// at its bridge address.
/// </summary>
public sealed class PgBouncerFixture : IAsyncLifetime
{
    public const int PgBouncerPort = 6432;

    public const int PoolSize = 2;

    public PostgreSqlContainer Backend { get; private set; } = null!;

    public IContainer Bouncer { get; private set; } = null!;

    public int Port => Bouncer.GetMappedPublicPort(PgBouncerPort);

    public async Task InitializeAsync()
    {
        Backend = Containers.Build(() => Containers.Postgres().Build());
        await Containers.StartAsync(Backend);

        var ini = $"""
            [databases]
            {Containers.Database} = host={Backend.IpAddress} port={PostgreSqlBuilder.PostgreSqlPort} dbname={Containers.Database}
            [pgbouncer]
            listen_addr = *
            listen_port = {PgBouncerPort}
            unix_socket_dir =
            auth_type = scram-sha-256
            auth_file = /etc/pgbouncer/userlist.txt
            pool_mode = transaction
            default_pool_size = {PoolSize}
            max_client_conn = 100
            ignore_startup_parameters = extra_float_digits,options,search_path
            server_tls_sslmode = prefer

            """;
        var userlist = $"\"{Containers.Username}\" \"{Containers.Password}\"\n";
        var image = ContainerImage.PgBouncer; // outside Build: its own message says which image is missing
        Bouncer = Containers.Build(() => new ContainerBuilder(image)
            .WithResourceMapping(Encoding.ASCII.GetBytes(ini), "/etc/pgbouncer/pgbouncer.ini")
            .WithResourceMapping(Encoding.ASCII.GetBytes(userlist), "/etc/pgbouncer/userlist.txt")
            .WithEntrypoint("setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "pgbouncer", "/etc/pgbouncer/pgbouncer.ini")
            .WithPortBinding(PgBouncerPort, assignRandomHostPort: true)
            .WithCreateParameterModifier(Containers.PublishOnLoopbackOnly)
            .WithWaitStrategy(Wait.ForUnixContainer().UntilCommandIsCompleted("pg_isready", "--host=localhost", $"--port={PgBouncerPort}"))
            .Build());
        await Containers.StartAsync(Bouncer);
    }

    public async Task DisposeAsync()
    {
        if (Bouncer is not null)
        {
            await Bouncer.DisposeAsync();
        }

        if (Backend is not null)
        {
            await Backend.DisposeAsync();
        }
    }
}
