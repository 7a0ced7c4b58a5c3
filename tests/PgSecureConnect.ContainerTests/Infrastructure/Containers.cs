using System.Diagnostics;
using Docker.DotNet.Models;
using DotNet.Testcontainers.Containers;
using Npgsql;
using Testcontainers.PostgreSql;

namespace PgSecureConnect.ContainerTests.Infrastructure;

/// <summary>Builders and start-up for the test containers, and the one place that explains a missing Docker engine.</summary>
internal static class Containers
{
    public const string Database = "app";
    public const string Username = "app_user";
    public const string Password = "container-test-password";

    /// <summary>A <see cref="PostgreSqlBuilder"/> for <see cref="ContainerImage.Name"/> with the tests' database, user and password.</summary>
    public static PostgreSqlBuilder Postgres() => new PostgreSqlBuilder(ContainerImage.Name)
        .WithDatabase(Database)
        .WithUsername(Username)
        .WithPassword(Password)
        .WithCreateParameterModifier(PublishOnLoopbackOnly);

    /// <summary>
    /// Published ports listen on 127.0.0.1 only (Docker's default is every address of the machine): the tests reach
    /// them over loopback, and the bridge addresses directly.
    /// </summary>
    public static void PublishOnLoopbackOnly(CreateContainerParameters parameters)
    {
        foreach (var bindings in parameters.HostConfig?.PortBindings?.Values ?? [])
        {
            foreach (var binding in bindings)
            {
                binding.HostIP = "127.0.0.1";
            }
        }
    }

    /// <summary>Builds a container (Testcontainers checks the Docker engine here); a failure says how to get one.</summary>
    public static T Build<T>(Func<T> build)
    {
        try
        {
            return build();
        }
        catch (Exception exception)
        {
            throw NoEngineOrImage(exception);
        }
    }

    /// <summary>Starts the containers together; a failure says how to get a Docker engine and the image.</summary>
    public static async Task<TimeSpan> StartAsync(params IContainer[] containers)
    {
        var stopwatch = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await Task.WhenAll(containers.Select(c => c.StartAsync(timeout.Token)));
        }
        catch (Exception exception)
        {
            throw NoEngineOrImage(exception);
        }

        return stopwatch.Elapsed;
    }

    private static InvalidOperationException NoEngineOrImage(Exception exception) => new(
        $"The container tests could not start the PostgreSQL image '{ContainerImage.Name}': {exception.GetType().Name}: {exception.Message} (root cause: {RootCause(exception).Message}){Environment.NewLine}"
        + "They need a Docker engine and that image. To fix, as root: apt-get install docker.io; dockerd --storage-driver=vfs > /tmp/dockerd.log 2>&1 & "
        + $"then, where no registry can be reached, export {ContainerImage.VariableName}=$(bash tests/PgSecureConnect.ContainerTests/image/build-image.sh | tail -n 1) "
        + $"(elsewhere the default, {ContainerImage.Official}, is pulled). An engine older than API 1.44 (Debian 12's docker.io speaks 1.41) also needs "
        + "export DOCKER_API_VERSION=$(docker version -f '{{.Server.APIVersion}}'). .ci/run does all of this (.ci/docker.sh).",
        exception);

    private static Exception RootCause(Exception exception)
    {
        while (exception.InnerException is not null)
        {
            exception = exception.InnerException;
        }

        return exception;
    }

    /// <summary>Runs a command in the container and fails with its output if it exits non-zero.</summary>
    public static async Task<string> ExecAsync(IContainer container, params string[] command)
    {
        var result = await container.ExecAsync(command);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{string.Join(' ', command)}' exited with {result.ExitCode} in {container.Name}: {result.Stderr}{result.Stdout}");
        }

        return result.Stdout;
    }

    /// <summary>An Npgsql connection string for the container's published port on 127.0.0.1 (no pooling).</summary>
    public static string AdminConnectionString(PostgreSqlContainer container) => new NpgsqlConnectionStringBuilder(container.GetConnectionString())
    {
        Pooling = false,
        Timeout = 15,
    }.ConnectionString;

    public static async Task<T?> QueryAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return await ScalarAsync<T>(connection, sql);
    }

    public static async Task<T?> ScalarAsync<T>(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)value;
    }

    /// <summary>Runs <paramref name="action"/> and returns what it threw and how long it took (fails the test if nothing was thrown).</summary>
    public static async Task<(Exception Exception, TimeSpan Elapsed)> FailureOf(Func<Task> action)
    {
        var stopwatch = Stopwatch.StartNew();
        try
        {
            await action();
        }
        catch (Exception exception)
        {
            return (exception, stopwatch.Elapsed);
        }

        throw new Xunit.Sdk.XunitException("Expected the operation to fail, but it succeeded.");
    }
}
