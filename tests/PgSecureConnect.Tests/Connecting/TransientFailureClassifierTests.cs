using System.Net.Sockets;
using System.Security.Authentication;
using Npgsql;
using PgSecureConnect.Connecting;
using PgSecureConnect.Credentials;

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

    public static TheoryData<string, Exception, ConnectionFailureKind, ConnectionPhase, string, bool> Verdicts => new()
    {
        {
            "password authentication failed",
            new NpgsqlException("wrapped", new PostgresException("password authentication failed for user \"app\"", "FATAL", "FATAL", "28P01")),
            ConnectionFailureKind.Authentication, ConnectionPhase.Authentication, "password authentication failed for user \"app\" (28P01)", false
        },
        {
            "missing database",
            new PostgresException("database \"shop\" does not exist", "FATAL", "FATAL", "3D000"),
            ConnectionFailureKind.DatabaseNotFound, ConnectionPhase.Authentication, "database \"shop\" does not exist (3D000)", false
        },
        {
            "missing privilege",
            new PostgresException("permission denied for database shop", "FATAL", "FATAL", "42501"),
            ConnectionFailureKind.PermissionDenied, ConnectionPhase.Authentication, "permission denied for database shop (42501)", false
        },
        {
            "server starting up",
            new PostgresException("the database system is starting up", "FATAL", "FATAL", "57P03"),
            ConnectionFailureKind.ServerUnavailable, ConnectionPhase.Connect, "the database system is starting up (57P03)", false
        },
        {
            "too many connections",
            new PostgresException("sorry, too many clients already", "FATAL", "FATAL", "53300"),
            ConnectionFailureKind.ServerUnavailable, ConnectionPhase.Connect, "sorry, too many clients already (53300)", false
        },
        {
            "PgBouncer full",
            new PostgresException("no more connections allowed (max_client_conn)", "FATAL", "FATAL", "08P01"),
            ConnectionFailureKind.ServerUnavailable, ConnectionPhase.Connect, "no more connections allowed (max_client_conn) (08P01)", false
        },
        {
            "another server error",
            new PostgresException("relation does not exist", "ERROR", "ERROR", "42P01"),
            ConnectionFailureKind.Other, ConnectionPhase.Authentication, "relation does not exist (42P01)", false
        },
        {
            "server error whose state merely contains 08",
            new PostgresException("numeric value out of range", "ERROR", "ERROR", "22008"),
            ConnectionFailureKind.Other, ConnectionPhase.Authentication, "numeric value out of range (22008)", false
        },
        {
            "credentials now name another user",
            new NpgsqlException("Exception while connecting", new CredentialsChangedException()),
            ConnectionFailureKind.Authentication, ConnectionPhase.Authentication, "the credentials changed to another user; trying again with them", false
        },
        {
            "credential provider failed",
            new NpgsqlException("Exception while connecting", new CredentialProviderException("the credential provider returned no password for db:5432", null)),
            ConnectionFailureKind.Authentication, ConnectionPhase.Authentication, "the credential provider returned no password for db:5432", false
        },
        {
            "no password configured",
            new NpgsqlException("Exception while connecting", new PasswordNotConfiguredException("the server asks for a password, but none is configured for user 'app'")),
            ConnectionFailureKind.Authentication, ConnectionPhase.Authentication, "the server asks for a password, but none is configured for user 'app'", false
        },
        {
            "pool exhausted, in any case",
            new NpgsqlException("THE CONNECTION POOL HAS BEEN EXHAUSTED, either raise 'Max Pool Size'"),
            ConnectionFailureKind.PoolExhausted, ConnectionPhase.Pool, "no free connection in the pool within the timeout (the pool is at its maximum size)", false
        },
        {
            "certificate rejected",
            new NpgsqlException("Exception while connecting", new AuthenticationException("The remote CERTIFICATE is invalid because of errors in the certificate chain: UntrustedRoot")),
            ConnectionFailureKind.Certificate, ConnectionPhase.Tls, "certificate verification failed: The remote CERTIFICATE is invalid because of errors in the certificate chain: UntrustedRoot", false
        },
        {
            "TLS handshake failed for another reason",
            new NpgsqlException("Exception while connecting", new AuthenticationException("Authentication failed because the remote party sent a TLS alert: 'ProtocolVersion'.\u001B[2J")),
            ConnectionFailureKind.TlsUnavailable, ConnectionPhase.Tls, "TLS handshake failed: Authentication failed because the remote party sent a TLS alert: 'ProtocolVersion'.\\u001B[2J", false
        },
        {
            "server without TLS",
            new NpgsqlException("SSL connection requested. No SSL enabled connection from this host is configured."),
            ConnectionFailureKind.TlsUnavailable, ConnectionPhase.Tls, "TLS is required but the server does not offer it", false
        },
        {
            "server does not support SSL",
            new NpgsqlException("The server does not support SSL, but SSL was required"),
            ConnectionFailureKind.TlsUnavailable, ConnectionPhase.Tls, "TLS is required but the server does not offer it", false
        },
        {
            "require_auth refused the method",
            new NpgsqlException("\"Password\" authentication method is not allowed. Allowed methods: ScramSHA256\nsecond line"),
            ConnectionFailureKind.AuthenticationMethodRefused, ConnectionPhase.Authentication, "\"Password\" authentication method is not allowed. Allowed methods: ScramSHA256", false
        },
        {
            "Require Auth named",
            new NpgsqlException("Require Auth rejects MD5"),
            ConnectionFailureKind.AuthenticationMethodRefused, ConnectionPhase.Authentication, "Require Auth rejects MD5", false
        },
        {
            "require_auth named",
            new NpgsqlException("server asked for md5, which REQUIRE_AUTH forbids"),
            ConnectionFailureKind.AuthenticationMethodRefused, ConnectionPhase.Authentication, "server asked for md5, which REQUIRE_AUTH forbids", false
        },
        {
            "channel binding refused",
            new NpgsqlException("Channel Binding is required, but server does not support SCRAM-SHA-256-PLUS"),
            ConnectionFailureKind.AuthenticationMethodRefused, ConnectionPhase.Authentication, "Channel Binding is required, but server does not support SCRAM-SHA-256-PLUS", false
        },
        {
            "DNS has no data",
            new NpgsqlException("Failed to resolve", new SocketException((int)SocketError.NoData)),
            ConnectionFailureKind.HostNotFound, ConnectionPhase.Connect, "host name not found", true
        },
        {
            "DNS says try again",
            new NpgsqlException("Failed to resolve", new SocketException((int)SocketError.TryAgain)),
            ConnectionFailureKind.HostNotFound, ConnectionPhase.Connect, "host name not found", true
        },
        {
            "host not found",
            new NpgsqlException("Failed to resolve", new SocketException((int)SocketError.HostNotFound)),
            ConnectionFailureKind.HostNotFound, ConnectionPhase.Connect, "host name not found", true
        },
        {
            "TCP timed out",
            new NpgsqlException("Failed to connect", new SocketException((int)SocketError.TimedOut)),
            ConnectionFailureKind.Timeout, ConnectionPhase.Connect, "timed out", true
        },
        {
            "refused",
            new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused)),
            ConnectionFailureKind.Unreachable, ConnectionPhase.Connect, "connection refused", true
        },
        {
            "network unreachable",
            new NpgsqlException("Failed to connect", new SocketException((int)SocketError.NetworkUnreachable)),
            ConnectionFailureKind.Unreachable, ConnectionPhase.Connect, "network error (NetworkUnreachable)", true
        },
        {
            "Npgsql's timeout",
            new NpgsqlException("Exception while connecting", new TimeoutException("The operation has timed out.")),
            ConnectionFailureKind.Timeout, ConnectionPhase.Connect, "timed out", true
        },
        {
            "closed during startup",
            new NpgsqlException("Exception while reading from stream", new IOException("Unable to read data\r\nfrom the transport connection")),
            ConnectionFailureKind.Unreachable, ConnectionPhase.Connect, "the server closed the connection: Unable to read data", true
        },
        {
            "end of stream during startup",
            new NpgsqlException("Exception while reading from stream", new EndOfStreamException("Attempted to read past the end of the stream.")),
            ConnectionFailureKind.Unreachable, ConnectionPhase.Connect, "the server closed the connection: Attempted to read past the end of the stream.", true
        },
        {
            "no suitable host",
            new NpgsqlException("No suitable host was found."),
            ConnectionFailureKind.WrongServerRole, ConnectionPhase.SessionCheck, "no server of the requested kind", false
        },
        {
            "anything else",
            new InvalidOperationException("Something unexpected\u202Ehappened\nat line two"),
            ConnectionFailureKind.Other, ConnectionPhase.Connect, "Something unexpected\\u202Ehappened", false
        },
    };

    [Theory]
    [MemberData(nameof(Verdicts))]
    public void Each_failure_is_judged_with_its_kind_phase_and_report_line(string failure, Exception exception, ConnectionFailureKind kind, ConnectionPhase phase, string description, bool hostDown)
    {
        var verdict = TransientFailureClassifier.Classify(exception);

        verdict.Kind.Should().Be(kind, failure);
        verdict.Phase.Should().Be(phase, failure);
        verdict.Description.Should().Be(description, failure);
        verdict.HostDown.Should().Be(hostDown, failure);
    }

    [Fact]
    public void The_credential_exceptions_are_found_however_deep_they_are_wrapped()
        => TransientFailureClassifier.Classify(new InvalidOperationException("outer", new NpgsqlException("middle", new CredentialsChangedException()))).Kind
            .Should().Be(ConnectionFailureKind.Authentication);

    [Fact]
    public void Multi_host_aggregate_of_transient_failures_reports_the_last_one()
    {
        var aggregate = new NpgsqlException("Unable to connect to a suitable host.", new AggregateException(
            new NpgsqlException("x", new SocketException((int)SocketError.ConnectionRefused)),
            new NpgsqlException("y", new TimeoutException())));

        TransientFailureClassifier.Classify(aggregate).Should().Be(new FailureClassification(ConnectionFailureKind.Timeout, ConnectionPhase.Connect, "timed out", HostDown: true));
    }

    [Fact]
    public void Multi_host_aggregate_reports_the_first_failure_that_is_not_transient()
    {
        var aggregate = new NpgsqlException("Unable to connect to a suitable host.", new AggregateException(
            new NpgsqlException("x", new SocketException((int)SocketError.ConnectionRefused)),
            Server("3D000"),
            Server("28P01")));

        TransientFailureClassifier.Classify(aggregate).Kind.Should().Be(ConnectionFailureKind.DatabaseNotFound);
    }

    [Fact]
    public void An_empty_aggregate_is_judged_by_the_outer_exception()
        => TransientFailureClassifier.Classify(new NpgsqlException("No suitable host was found.", new AggregateException())).Kind
            .Should().Be(ConnectionFailureKind.WrongServerRole);

    [Fact]
    public void A_server_refusing_our_client_certificate_is_not_taken_for_our_own_verdict()
    {
        TransientFailureClassifier.RejectedByValidationCallback(new NpgsqlException("x",
            new AuthenticationException("The remote certificate was rejected by the provided RemoteCertificateValidationCallback."))).Should().BeTrue();
        TransientFailureClassifier.RejectedByValidationCallback(new NpgsqlException("x",
            new AuthenticationException("Authentication failed because the remote party sent a TLS alert: 'BadCertificate'."))).Should().BeFalse();
        TransientFailureClassifier.RejectedByValidationCallback(new NpgsqlException("The remote certificate was rejected by the provided RemoteCertificateValidationCallback."))
            .Should().BeFalse("only the TLS layer's own exception says so");
        TransientFailureClassifier.RejectedByValidationCallback(new NpgsqlException("x",
            new AuthenticationException("rejected by the provided remotecertificatevalidationcallback"))).Should().BeFalse("the match is exact");
    }

    [Theory]
    [InlineData(ConnectionFailureKind.PoolExhausted, false)]
    [InlineData(ConnectionFailureKind.WrongServerRole, true)]
    [InlineData(ConnectionFailureKind.Unreachable, true)]
    [InlineData(ConnectionFailureKind.Authentication, false)]
    public void An_exhausted_pool_is_not_retried_within_the_open_that_already_waited_for_it(ConnectionFailureKind kind, bool transient)
        => new FailureClassification(kind, ConnectionPhase.Connect, "x").IsTransient.Should().Be(transient);
}
