using System.Net.Sockets;
using System.Security.Authentication;
using Npgsql;
using PgSecureConnect.Connecting;

namespace PgSecureConnect.Tests.Connecting;

public class TransientFailureClassifierTests
{
    private static PostgresException Server(string sqlState)
        => new("message text", "FATAL", "FATAL", sqlState);

    /// <summary>A hostile server (or a man in the middle of sslmode=require) writes the error text: it cannot forge a log line or reorder what a reader sees.</summary>
    [Fact]
    public void Server_text_cannot_forge_log_lines_or_reorder_the_report()
    {
        var verdict = TransientFailureClassifier.Classify(new NpgsqlException("wrapped", new PostgresException("refused\rINFO forged entry \u202Etxt.exe", "FATAL", "FATAL", "42P01")));

        verdict.Description.Should().Be("refused\\u000DINFO forged entry \\u202Etxt.exe (42P01)");
    }

    [Theory]
    [InlineData("28P01", ConnectionFailureKind.Authentication, false)]
    [InlineData("28000", ConnectionFailureKind.Authentication, false)]
    [InlineData("3D000", ConnectionFailureKind.DatabaseNotFound, false)]
    [InlineData("42501", ConnectionFailureKind.PermissionDenied, false)]
    [InlineData("57P01", ConnectionFailureKind.ServerUnavailable, true)]
    [InlineData("57P02", ConnectionFailureKind.ServerUnavailable, true)]
    [InlineData("57P03", ConnectionFailureKind.ServerUnavailable, true)]
    [InlineData("53300", ConnectionFailureKind.ServerUnavailable, true)]
    [InlineData("08P01", ConnectionFailureKind.ServerUnavailable, true)]
    [InlineData("08006", ConnectionFailureKind.ServerUnavailable, true)]
    [InlineData("08001", ConnectionFailureKind.ServerUnavailable, true)]
    [InlineData("42P01", ConnectionFailureKind.Other, false)]
    public void Server_errors(string sqlState, ConnectionFailureKind kind, bool transient)
    {
        var verdict = TransientFailureClassifier.Classify(new NpgsqlException("wrapped", Server(sqlState)));

        verdict.Kind.Should().Be(kind);
        verdict.IsTransient.Should().Be(transient);
        verdict.HostDown.Should().BeFalse("the server answered");
    }

    [Theory]
    [InlineData(SocketError.ConnectionRefused, ConnectionFailureKind.Unreachable)]
    [InlineData(SocketError.HostUnreachable, ConnectionFailureKind.Unreachable)]
    [InlineData(SocketError.NetworkUnreachable, ConnectionFailureKind.Unreachable)]
    [InlineData(SocketError.TimedOut, ConnectionFailureKind.Timeout)]
    [InlineData(SocketError.HostNotFound, ConnectionFailureKind.HostNotFound)]
    public void Network_errors_are_transient_and_mark_the_host_down(SocketError error, ConnectionFailureKind kind)
    {
        var verdict = TransientFailureClassifier.Classify(new NpgsqlException("Failed to connect", new SocketException((int)error)));

        verdict.Kind.Should().Be(kind);
        verdict.IsTransient.Should().BeTrue();
        verdict.HostDown.Should().BeTrue();
    }

    [Fact]
    public void Timeouts_are_transient()
        => TransientFailureClassifier.Classify(new NpgsqlException("Exception while connecting", new TimeoutException())).Kind.Should().Be(ConnectionFailureKind.Timeout);

    [Fact]
    public void Pool_exhaustion_is_its_own_kind_and_does_not_mark_the_host_down()
    {
        var verdict = TransientFailureClassifier.Classify(new NpgsqlException(
            "The connection pool has been exhausted, either raise 'Max Pool Size' (currently 5) or 'Timeout' (currently 15 seconds) in your connection string.",
            new TimeoutException()));

        verdict.Kind.Should().Be(ConnectionFailureKind.PoolExhausted);
        verdict.HostDown.Should().BeFalse();
    }

    [Fact]
    public void Certificate_failures_are_not_retried()
    {
        var verdict = TransientFailureClassifier.Classify(new NpgsqlException("Exception while connecting",
            new AuthenticationException("The remote certificate was rejected by the provided RemoteCertificateValidationCallback.")));

        verdict.Kind.Should().Be(ConnectionFailureKind.Certificate);
        verdict.IsTransient.Should().BeFalse();
    }

    [Fact]
    public void Server_without_tls_when_required_is_not_retried()
        => TransientFailureClassifier.Classify(new NpgsqlException("SSL connection requested. No SSL enabled connection from this host is configured."))
            .Kind.Should().Be(ConnectionFailureKind.TlsUnavailable);

    [Fact]
    public void Multi_host_aggregate_is_transient_only_when_every_inner_failure_is()
    {
        var allTransient = new NpgsqlException("Unable to connect to a suitable host.", new AggregateException(
            new NpgsqlException("x", new SocketException((int)SocketError.ConnectionRefused)),
            new NpgsqlException("y", new TimeoutException())));
        var oneFatal = new NpgsqlException("Unable to connect to a suitable host.", new AggregateException(
            new NpgsqlException("x", new SocketException((int)SocketError.ConnectionRefused)),
            Server("28P01")));

        TransientFailureClassifier.Classify(allTransient).IsTransient.Should().BeTrue();
        TransientFailureClassifier.Classify(oneFatal).Kind.Should().Be(ConnectionFailureKind.Authentication);
    }
}
