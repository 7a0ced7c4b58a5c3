namespace PgSecureConnect.Tests;

internal static class RepositoryRoot
{
    /// <summary>The folder holding PgSecureConnect.sln, found upwards from the test assembly.</summary>
    public static string Find()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "PgSecureConnect.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("PgSecureConnect.sln not found above " + AppContext.BaseDirectory);
    }
}
