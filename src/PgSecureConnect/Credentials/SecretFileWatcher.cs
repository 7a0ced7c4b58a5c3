namespace PgSecureConnect.Credentials;

/// <summary>
/// Watches the directories of secret files and reports any change in them: a rewrite, <c>mv</c> over the file, an
/// editor's replace, and Kubernetes' atomic swap of the <c>..data</c> symbolic link (which changes nothing under the
/// file's own name). Watching the directory, not the file, catches all of them; the caller re-reads and compares.
/// Nothing here runs on the open path.
/// </summary>
internal sealed class SecretFileWatcher : IDisposable
{
    private readonly List<FileSystemWatcher> _watchers = [];

    public SecretFileWatcher(IEnumerable<string> files, Action changed)
    {
        foreach (var directory in files.Select(Path.GetDirectoryName).OfType<string>().Where(d => d.Length > 0).Distinct(StringComparer.Ordinal))
        {
            if (!Directory.Exists(directory))
            {
                continue;
            }

            var watcher = new FileSystemWatcher(directory)
            {
                IncludeSubdirectories = false,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime | NotifyFilters.Attributes,
            };
            FileSystemEventHandler onChange = (_, _) => changed();
            watcher.Changed += onChange;
            watcher.Created += onChange;
            watcher.Deleted += onChange;
            watcher.Renamed += (_, _) => changed();

            // A lost event (buffer overflow) might have been the one that mattered.
            watcher.Error += (_, _) => changed();
            watcher.EnableRaisingEvents = true;
            _watchers.Add(watcher);
        }
    }

    public void Dispose()
    {
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }
    }
}
