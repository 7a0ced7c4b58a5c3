namespace PgSecureConnect.Sample;

/// <summary>What the user asked for on the command line.</summary>
internal sealed record SampleOptions(bool Help, bool Check, bool FailoverDemo, bool Verbose, string? EnvFile);

/// <summary>Process exit codes, for deployment scripts.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int Usage = 2;
    public const int Cancelled = 130;
}

/// <summary>Parses the few flags the sample knows; anything else is a usage error.</summary>
internal static class CommandLine
{
    public const string Usage = """
        Usage: dotnet run --project samples/PgSecureConnect.Sample -- [options]

        Connects to PostgreSQL the way an application should: settings from DATABASE_URL, or DB_HOST/DB_PORT/DB_NAME/
        DB_USER/DB_PASSWORD, or the libpq PG* variables, in the environment or in ./.env (see .env.example), TLS enforced.
        With nothing configured it starts a throwaway local PostgreSQL with TLS (needs the server binaries installed)
        and connects to it with sslmode=verify-full.

        Options:
          --check            Connect and print the report, write nothing; exit 0 when the database is reachable, 1 when
                             not. For deployment scripts: never starts a throwaway server.
          --failover-demo    Start two throwaway servers, stop the first mid-run and watch the factory move to the second.
          --env-file <path>  Read this .env file instead of ./.env (it must exist).
          --verbose, -v      Log PgSecureConnect's events (attempts, retries, failover) to standard error.
          --help, -h         Show this help.

        Exit codes: 0 success, 1 connection or configuration failure, 2 usage error, 130 cancelled (Ctrl+C).
        """;

    /// <summary>Parses <paramref name="args"/>; on failure <paramref name="error"/> says what was wrong.</summary>
    public static bool TryParse(IReadOnlyList<string> args, out SampleOptions options, out string? error)
    {
        options = new SampleOptions(Help: false, Check: false, FailoverDemo: false, Verbose: false, EnvFile: null);
        error = null;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            switch (arg)
            {
                case "--help" or "-h" or "-?":
                    options = options with { Help = true };
                    break;
                case "--check":
                    options = options with { Check = true };
                    break;
                case "--failover-demo":
                    options = options with { FailoverDemo = true };
                    break;
                case "--verbose" or "-v":
                    options = options with { Verbose = true };
                    break;
                case "--env-file":
                    if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    {
                        error = "--env-file needs a path, for example --env-file ./deploy/.env";
                        return false;
                    }

                    options = options with { EnvFile = args[++i] };
                    break;
                case var _ when arg.StartsWith("--env-file=", StringComparison.Ordinal) && arg.Length > "--env-file=".Length:
                    options = options with { EnvFile = arg["--env-file=".Length..] };
                    break;
                default:
                    error = $"Unknown option '{arg}'.";
                    return false;
            }
        }

        if (options.Check && options.FailoverDemo)
        {
            error = "--check and --failover-demo cannot be combined.";
            return false;
        }

        if (options.FailoverDemo && options.EnvFile is not null)
        {
            error = "--failover-demo uses its own throwaway servers and reads no settings; drop --env-file.";
            return false;
        }

        return true;
    }
}
