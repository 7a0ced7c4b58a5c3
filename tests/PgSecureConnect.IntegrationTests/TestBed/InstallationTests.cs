using PgSecureConnect.Testing;
using PgSecureConnect.Testing.Internal;

namespace PgSecureConnect.IntegrationTests.TestBed;

/// <summary>Finding the server binaries, and the message when they are missing.</summary>
public sealed class InstallationTests
{
    [Fact]
    public void Finds_the_installed_server()
    {
        var installation = PostgresInstallation.Find();

        File.Exists(installation.GetToolPath("initdb")).Should().BeTrue();
        File.Exists(installation.GetToolPath("pg_ctl")).Should().BeTrue();
        installation.Version.Major.Should().BeGreaterThanOrEqualTo(12);
    }

    [Fact]
    public void Explicit_directory_wins()
    {
        var real = PostgresInstallation.Find().BinDirectory;

        var found = PostgresInstallation.Find(new InstallationSearch
        {
            GetEnvironmentVariable = name => name == PostgresInstallation.BinDirectoryVariable ? real : null,
            LibPostgresqlDirectory = "/nonexistent",
        });

        found.BinDirectory.Should().Be(real);
    }

    [Fact]
    public void Wrong_explicit_directory_is_an_error_not_a_fallback()
    {
        var find = () => PostgresInstallation.Find(new InstallationSearch
        {
            GetEnvironmentVariable = name => name == PostgresInstallation.BinDirectoryVariable ? "/nonexistent/bin" : Environment.GetEnvironmentVariable(name),
        });

        find.Should().Throw<PostgresNotFoundException>()
            .WithMessage("*PGSECURE_PG_BINDIR*/nonexistent/bin*initdb*");
    }

    [Fact]
    public void Missing_binaries_produce_a_message_that_lists_where_was_looked_and_how_to_fix_it()
    {
        var emptyPath = Directory.CreateTempSubdirectory("pgsecure-empty-path-");
        try
        {
            var find = () => PostgresInstallation.Find(new InstallationSearch
            {
                GetEnvironmentVariable = name => name == "PATH" ? emptyPath.FullName : null,
                LibPostgresqlDirectory = "/nonexistent/postgresql",
            });

            var message = find.Should().Throw<PostgresNotFoundException>().Which.Message;
            message.Should().Contain("PGSECURE_PG_BINDIR: not set")
                .And.Contain("pg_config --bindir: no pg_config on PATH")
                .And.Contain(emptyPath.FullName)
                .And.Contain("/nonexistent/postgresql/*/bin: no such directories")
                .And.Contain("apt-get install postgresql")
                .And.Contain("set PGSECURE_PG_BINDIR");
        }
        finally
        {
            emptyPath.Delete();
        }
    }
}
