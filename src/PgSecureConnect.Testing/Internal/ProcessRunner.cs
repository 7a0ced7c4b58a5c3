using System.Diagnostics;
using System.Globalization;

namespace PgSecureConnect.Testing.Internal;

/// <summary>Runs child processes with argument lists, bounded in time, capturing stdout and stderr.</summary>
internal static class ProcessRunner
{
    /// <summary>How long to keep reading stdout/stderr after the process exited (a daemon it forked may hold the pipes).</summary>
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(2);

    public static async Task<ProcessResult> RunAsync(
        CommandLine command,
        TimeSpan timeout,
        CancellationToken cancellationToken,
        string? standardInput = null)
    {
        using var process = new Process { StartInfo = CreateStartInfo(command, standardInput is not null) };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new PostgresTestBedException(
                string.Create(CultureInfo.InvariantCulture, $"Could not start '{command.FileName}': {exception.Message}. Command: {command}"),
                exception);
        }

        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        if (standardInput is not null)
        {
            try
            {
                await process.StandardInput.WriteAsync(standardInput).ConfigureAwait(false);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // The process exited before reading all its input (broken pipe): its exit code and stderr tell why.
            }
        }

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(timeoutSource.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            KillQuietly(process);
            var partialError = await DrainAsync(stderr).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            throw new PostgresTestBedException(string.Create(
                CultureInfo.InvariantCulture,
                $"Timed out after {timeout.TotalSeconds:0.#} s waiting for: {command}{Environment.NewLine}stderr: {partialError.Trim()}"));
        }

        return new ProcessResult(process.ExitCode, await DrainAsync(stdout).ConfigureAwait(false), await DrainAsync(stderr).ConfigureAwait(false));
    }

    /// <summary>Runs the command and throws (with its stderr) when it exits non-zero.</summary>
    public static async Task<ProcessResult> RunCheckedAsync(
        CommandLine command,
        TimeSpan timeout,
        CancellationToken cancellationToken,
        string? standardInput = null)
    {
        var result = await RunAsync(command, timeout, cancellationToken, standardInput).ConfigureAwait(false);
        if (!result.Succeeded)
        {
            throw new PostgresTestBedException(string.Create(
                CultureInfo.InvariantCulture,
                $"Command failed with exit code {result.ExitCode}: {command}{Environment.NewLine}{result.Diagnostics}"));
        }

        return result;
    }

    /// <summary>Synchronous variant for Dispose and process-exit paths.</summary>
    public static ProcessResult Run(CommandLine command, TimeSpan timeout)
    {
        using var process = new Process { StartInfo = CreateStartInfo(command, redirectInput: false) };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            return new ProcessResult(-1, string.Empty, exception.Message);
        }

        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            KillQuietly(process);
            return new ProcessResult(-1, string.Empty, "timed out");
        }

        var drained = Task.WaitAll([stdout, stderr], DrainTimeout);
        return new ProcessResult(process.ExitCode, drained ? stdout.Result : string.Empty, drained ? stderr.Result : string.Empty);
    }

    private static ProcessStartInfo CreateStartInfo(CommandLine command, bool redirectInput)
    {
        var startInfo = new ProcessStartInfo(command.FileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
            CreateNoWindow = true,
            // A directory every user can enter: runuser'd tools complain when the current directory is /root.
            WorkingDirectory = command.WorkingDirectory ?? "/",
        };
        foreach (var argument in command.Arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var pair in command.Environment)
        {
            startInfo.Environment[pair.Key] = pair.Value;
        }

        startInfo.Environment["LC_ALL"] = "C";
        return startInfo;
    }

    private static async Task<string> DrainAsync(Task<string> reader)
    {
        try
        {
            return await reader.WaitAsync(DrainTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return string.Empty;
        }
    }

    private static void KillQuietly(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // Not ours to kill any more.
        }
    }
}
