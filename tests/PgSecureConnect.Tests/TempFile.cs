namespace PgSecureConnect.Tests;

/// <summary>A file in a fresh temporary directory, deleted with the directory on dispose.</summary>
internal sealed class TempFile : IDisposable
{
    public TempFile(string content, string name = "file")
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("pgsecure-tests-").FullName;
        Path = System.IO.Path.Combine(Directory, name);
        File.WriteAllText(Path, content);
    }

    public string Directory { get; }

    public string Path { get; }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
}
