namespace PgSecureConnect.Testing.Internal;

/// <summary>
/// Everything alive in this process, so that it is cleaned up at process exit even when a test forgot to dispose
/// (or failed before it could): test beds (servers, PgBouncers, namespaces, directories) and the template directory.
/// </summary>
internal static class TestBedRegistry
{
    private static readonly object Gate = new();
    private static readonly HashSet<PostgresTestBed> Beds = [];
    private static bool s_hooked;

    public static void Register(PostgresTestBed bed)
    {
        lock (Gate)
        {
            Hook();
            Beds.Add(bed);
        }
    }

    public static void Unregister(PostgresTestBed bed)
    {
        lock (Gate)
        {
            Beds.Remove(bed);
        }
    }

    /// <summary>Makes sure the process-exit cleanup runs even if no test bed is registered any more.</summary>
    public static void EnsureProcessExitHook()
    {
        lock (Gate)
        {
            Hook();
        }
    }

    private static void Hook()
    {
        if (!s_hooked)
        {
            s_hooked = true;
            AppDomain.CurrentDomain.ProcessExit += (_, _) => CleanUpEverything();
        }
    }

    private static void CleanUpEverything()
    {
        PostgresTestBed[] beds;
        lock (Gate)
        {
            beds = Beds.ToArray();
        }

        foreach (var bed in beds)
        {
            bed.Dispose();
        }

        ClusterTemplate.DeleteAll();
    }
}
