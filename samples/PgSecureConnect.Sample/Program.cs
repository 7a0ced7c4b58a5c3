// PgSecureConnect sample: one secure way to reach PostgreSQL. See README.md beside this file.
using System.Diagnostics;
using PgSecureConnect;
using PgSecureConnect.Sample;

if (!CommandLine.TryParse(args, out var options, out var usageError))
{
    Console.Error.WriteLine(usageError);
    Console.Error.WriteLine();
    Console.Error.WriteLine(CommandLine.Usage);
    return ExitCodes.Usage;
}

if (options.Help)
{
    Console.WriteLine(CommandLine.Usage);
    return ExitCodes.Ok;
}

// Ctrl+C cancels whatever is running; the `await using`s below then stop and delete a throwaway server.
// A second Ctrl+C ends the process at once (the test bed still cleans up at process exit).
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = !cancellation.IsCancellationRequested;
    cancellation.Cancel();
};

using var loggerFactory = options.FailoverDemo ? null : SampleLogging.Create(options.Verbose);
try
{
    if (options.FailoverDemo)
    {
        await FailoverDemo.RunAsync(options.Verbose, Console.Out, cancellation.Token);
    }
    else
    {
        await RunReportAsync(cancellation.Token);
    }

    return ExitCodes.Ok;
}
catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
{
    Console.Error.WriteLine("Cancelled.");
    return ExitCodes.Cancelled;
}
catch (Exception e) when (Diagnosis.For(e, options) is { } diagnosis)
{
    diagnosis.Print(Console.Error);
    if (options.Verbose && e is ConnectionConfigurationException or ConnectionFailedException)
    {
        Console.Error.WriteLine(e.Message); // every problem or attempt; never a password
    }

    return ExitCodes.Failure;
}
catch (Exception e)
{
    Console.Error.WriteLine($"Error: unexpected {e.GetType().Name}: {e.Message.Split('\n')[0]}");
    Console.Error.WriteLine(options.Verbose ? e.ToString() : "Fix:   run again with --verbose for the details, and report it if it persists");
    return ExitCodes.Failure;
}

async Task RunReportAsync(CancellationToken cancellationToken)
{
    var factoryOptions = new ConnectionFactoryOptions
    {
        EnvFilePath = options.EnvFile,
        LoggerFactory = loggerFactory,
        ApplicationName = "PgSecureConnect.Sample",
    };

    // Settings come from ./.env (or --env-file) and the environment. With nothing configured at all, and unless this is
    // a --check, start a throwaway local server with TLS and reach it the way a deployment would: a DATABASE_URL with
    // sslmode=verify-full and the CA that signed the server's certificate.
    EmbeddedServer? embedded = null;
    IConnectionFactory factory;
    try
    {
        factory = ConnectionFactory.FromEnvironment(factoryOptions);
    }
    catch (ConnectionConfigurationException e) when (Diagnosis.IsNothingConfigured(e) && !options.Check)
    {
        Console.WriteLine("No DATABASE_URL, DB_* or PG* settings in the environment or .env: starting a throwaway local PostgreSQL with TLS (PgSecureConnect.Testing).");
        embedded = await EmbeddedServer.StartAsync(cancellationToken);
        try
        {
            factory = embedded.CreateFactory(factoryOptions);
        }
        catch
        {
            await embedded.DisposeAsync();
            throw;
        }
    }

    await using var server = embedded;
    await using var _ = factory;
    var output = Console.Out;

    Report.Section(output, 1, "Where the settings came from (the password is never shown)");
    Report.Settings(factory.Settings, output);

    Report.Section(output, 2, "The server reached");
    var clock = Stopwatch.StartNew();
    TimeSpan firstOpen;
    await using (var connection = await factory.OpenConnectionAsync(cancellationToken))
    {
        firstOpen = clock.Elapsed;
        await Report.ServerAsync(connection, output, cancellationToken);

        Report.Section(output, 3, "Encryption and the server's identity");
        await Report.EncryptionAsync(connection, factory.Settings, output, cancellationToken);
    }

    Report.Section(output, 4, "Time to connect");
    clock.Restart();
    await using var pooled = await factory.OpenConnectionAsync(cancellationToken);
    Report.Timing(firstOpen, clock.Elapsed, output);

    Report.Section(output, 5, "A parameterized query");
    await Report.ParameterizedQueryAsync(pooled, output, cancellationToken);

    Report.Section(output, 6, "A transaction committed, and one rolled back");
    if (options.Check)
    {
        output.WriteLine("    skipped: --check writes nothing");
    }
    else
    {
        await Report.TransactionsAsync(pooled, output, cancellationToken);
    }

    output.WriteLine();
    output.WriteLine(embedded is null ? "OK" : "OK; stopping and deleting the throwaway server.");
}
