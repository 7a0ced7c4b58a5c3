using System.Diagnostics;
using System.Diagnostics.Metrics;
using PgSecureConnect.Diagnostics;
using static PgSecureConnect.Diagnostics.PgSecureConnectDiagnostics;

namespace PgSecureConnect.UnitsOfWork;

/// <summary>The units-of-work instruments, on the PgSecureConnect meter (so the hosting package's metrics include them).</summary>
internal static class UnitOfWorkInstrumentation
{
    /// <summary>Units run again after a transient failure, by the step that failed and the error.</summary>
    public static readonly Counter<long> Retries = PgSecureConnectDiagnostics.Meter.CreateCounter<long>(
        "pgsecureconnect.unit_of_work.retries", "{retry}", "Times a unit of work was run again on a fresh connection after a transient failure, by step (open, work, commit) and error.type (SQLSTATE, connection_lost, timeout, open_failed).");

    /// <summary>Commits whose outcome was unknown, by how it was resolved.</summary>
    public static readonly Counter<long> UnknownCommits = PgSecureConnectDiagnostics.Meter.CreateCounter<long>(
        "pgsecureconnect.unit_of_work.commit_outcome_unknown", "{commit}", "Commits whose connection was lost before the server answered, by resolution (applied, not_applied: verifySucceeded decided; unresolved: CommitOutcomeUnknownException).");

    public static void Retry(string factoryName, UnitOfWorkStep step, string errorType)
    {
        if (Retries.Enabled)
        {
            Retries.Add(1, new TagList { { DbSystemName, PostgreSql }, { FactoryName, factoryName }, { "pgsecureconnect.unit_of_work.step", StepName(step) }, { ErrorType, errorType } });
        }
    }

    public static void UnknownCommit(string factoryName, string resolution)
    {
        if (UnknownCommits.Enabled)
        {
            UnknownCommits.Add(1, new TagList { { DbSystemName, PostgreSql }, { FactoryName, factoryName }, { "pgsecureconnect.unit_of_work.resolution", resolution } });
        }
    }

    private static string StepName(UnitOfWorkStep step) => step switch
    {
        UnitOfWorkStep.Open => "open",
        UnitOfWorkStep.Work => "work",
        UnitOfWorkStep.Commit => "commit",
        _ => "verify",
    };
}
