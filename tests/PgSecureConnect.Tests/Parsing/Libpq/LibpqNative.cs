using System.Runtime.InteropServices;
using System.Text;

namespace PgSecureConnect.Tests.Parsing.Libpq;

/// <summary>
/// The real libpq's <c>PQconninfoParse</c>, loaded at run time from <c>libpq.so.5</c> (Debian/Ubuntu package
/// <c>libpq5</c>). Loading is lazy: when the library is missing, every call throws with the install hint, so the
/// tests that need libpq fail (never skip).
/// </summary>
internal static class LibpqNative
{
    public const string InstallHint =
        "libpq.so.5 (the PostgreSQL client library) could not be loaded, so the differential tests cannot compare with libpq. " +
        "Install it: apt-get install libpq5 (the tests were written against libpq 15).";

    private static readonly string[] LibraryNames = ["libpq.so.5", "libpq.5.dylib", "libpq.dll"];

    private static readonly Lazy<Api?> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // PQconninfoOption: char *keyword, *envvar, *compiled, *val, *label, *dispchar; int dispsize (padded to a pointer).
    private static readonly int OptionSize = 7 * IntPtr.Size;
    private static readonly int ValOffset = 3 * IntPtr.Size;

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate IntPtr ConninfoParseFunction(IntPtr conninfo, out IntPtr errmsg);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void ConninfoFreeFunction(IntPtr options);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate void FreememFunction(IntPtr pointer);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    private delegate int LibVersionFunction();

    /// <summary>Why libpq could not be loaded, or <see langword="null"/> when it is available.</summary>
    public static string? LoadError => Loaded.Value is null ? InstallHint : null;

    /// <summary>libpq's version as <c>PQlibVersion</c> reports it, for example 150014 for 15.14.</summary>
    public static int Version => Require().Version;

    /// <summary>Parses <paramref name="conninfo"/> (passed as UTF-8) with <c>PQconninfoParse</c>.</summary>
    public static LibpqParseResult Parse(string conninfo)
    {
        ArgumentNullException.ThrowIfNull(conninfo);
        if (conninfo.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("libpq takes NUL-terminated strings; the input must not contain U+0000", nameof(conninfo));
        }

        var api = Require();
        var bytes = StrictUtf8.GetBytes(conninfo);
        var native = Marshal.AllocHGlobal(bytes.Length + 1);
        try
        {
            Marshal.Copy(bytes, 0, native, bytes.Length);
            Marshal.WriteByte(native, bytes.Length, 0);
            var options = api.Parse(native, out var errmsg);
            if (options == IntPtr.Zero)
            {
                var error = errmsg == IntPtr.Zero ? "(no message)" : Decode(ReadBytes(errmsg)).Text.TrimEnd('\n');
                if (errmsg != IntPtr.Zero)
                {
                    api.Freemem(errmsg);
                }

                return LibpqParseResult.Failure(error);
            }

            try
            {
                return LibpqParseResult.Success(ReadOptions(options, out var invalid), invalid);
            }
            finally
            {
                api.Free(options);
            }
        }
        finally
        {
            Marshal.FreeHGlobal(native);
        }
    }

    /// <summary>Every keyword libpq knows (the whole option array of an empty parse).</summary>
    public static IReadOnlyList<string> Keywords()
    {
        var api = Require();
        var empty = Marshal.AllocHGlobal(1);
        try
        {
            Marshal.WriteByte(empty, 0);
            var options = api.Parse(empty, out var errmsg);
            if (errmsg != IntPtr.Zero)
            {
                api.Freemem(errmsg);
            }

            if (options == IntPtr.Zero)
            {
                throw new InvalidOperationException("PQconninfoParse(\"\") failed");
            }

            try
            {
                var keywords = new List<string>();
                for (var entry = options; Marshal.ReadIntPtr(entry) != IntPtr.Zero; entry += OptionSize)
                {
                    keywords.Add(Decode(ReadBytes(Marshal.ReadIntPtr(entry))).Text);
                }

                return keywords;
            }
            finally
            {
                api.Free(options);
            }
        }
        finally
        {
            Marshal.FreeHGlobal(empty);
        }
    }

    private static Dictionary<string, string> ReadOptions(IntPtr options, out List<string> invalidUtf8)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        invalidUtf8 = [];
        for (var entry = options; Marshal.ReadIntPtr(entry) != IntPtr.Zero; entry += OptionSize)
        {
            var val = Marshal.ReadIntPtr(entry, ValOffset);
            if (val == IntPtr.Zero)
            {
                continue;
            }

            var keyword = Decode(ReadBytes(Marshal.ReadIntPtr(entry))).Text;
            var (text, valid) = Decode(ReadBytes(val));
            values[keyword] = text;
            if (!valid)
            {
                invalidUtf8.Add(keyword);
            }
        }

        return values;
    }

    private static byte[] ReadBytes(IntPtr cString)
    {
        var length = 0;
        while (Marshal.ReadByte(cString, length) != 0)
        {
            length++;
        }

        var bytes = new byte[length];
        Marshal.Copy(cString, bytes, 0, length);
        return bytes;
    }

    private static (string Text, bool Valid) Decode(byte[] bytes)
    {
        try
        {
            return (StrictUtf8.GetString(bytes), true);
        }
        catch (DecoderFallbackException)
        {
            return (Encoding.UTF8.GetString(bytes), false);
        }
    }

    private static Api Require() => Loaded.Value ?? throw new InvalidOperationException(InstallHint);

    private static Api? Load()
    {
        foreach (var name in LibraryNames)
        {
            if (NativeLibrary.TryLoad(name, out var handle))
            {
                return new Api(
                    Marshal.GetDelegateForFunctionPointer<ConninfoParseFunction>(NativeLibrary.GetExport(handle, "PQconninfoParse")),
                    Marshal.GetDelegateForFunctionPointer<ConninfoFreeFunction>(NativeLibrary.GetExport(handle, "PQconninfoFree")),
                    Marshal.GetDelegateForFunctionPointer<FreememFunction>(NativeLibrary.GetExport(handle, "PQfreemem")),
                    Marshal.GetDelegateForFunctionPointer<LibVersionFunction>(NativeLibrary.GetExport(handle, "PQlibVersion"))());
            }
        }

        return null;
    }

    private sealed record Api(ConninfoParseFunction Parse, ConninfoFreeFunction Free, FreememFunction Freemem, int Version);
}

/// <summary>What <c>PQconninfoParse</c> returned: the keyword → value pairs it set, or its error message.</summary>
/// <param name="Values">The values (non-null <c>val</c> only), or <see langword="null"/> when libpq failed.</param>
/// <param name="Error">libpq's error message when it failed.</param>
/// <param name="InvalidUtf8Keywords">Keywords whose value libpq returned as bytes that are not valid UTF-8.</param>
internal sealed record LibpqParseResult(IReadOnlyDictionary<string, string>? Values, string? Error, IReadOnlyList<string> InvalidUtf8Keywords)
{
    public bool Succeeded => Values is not null;

    public static LibpqParseResult Success(IReadOnlyDictionary<string, string> values, IReadOnlyList<string> invalidUtf8)
        => new(values, null, invalidUtf8);

    public static LibpqParseResult Failure(string error) => new(null, error, []);

    public override string ToString()
        => Values is null ? $"libpq error: {Error}" : "libpq: " + Display.Dictionary(Values);
}
