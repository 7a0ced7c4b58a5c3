using System.Text;

namespace PgSecureConnect.Fuzz;

/// <summary>Which string entry point an input goes to.</summary>
internal enum EntryPoint
{
    /// <summary><see cref="ConnectionSettings.FromUrl"/> with a <c>postgresql://</c> URL.</summary>
    Url,

    /// <summary><see cref="ConnectionSettings.FromUrl"/> with a libpq keyword/value string.</summary>
    KeywordValue,

    /// <summary><see cref="ConnectionSettings.FromUrl"/> with an Npgsql connection string.</summary>
    Npgsql,

    /// <summary>The text of a <c>.env</c> file, read under an empty environment.</summary>
    DotEnv,

    /// <summary><see cref="ConnectionSettings.FromVariables"/>, one <c>NAME=value</c> per line.</summary>
    Variables,
}

/// <summary>
/// One fuzz input: byte 0 picks the entry point (low bits) and the text encoding (bit 7: UTF-16LE, which can carry lone
/// surrogates; otherwise UTF-8, invalid sequences becoming U+FFFD), byte 1 picks the sentinel password the checks plant
/// around the text, and the rest is the text. Keeping the choice in the bytes lets libFuzzer move an input between entry
/// points and keeps every crash file reproducible on its own.
/// </summary>
internal readonly record struct FuzzInput(EntryPoint EntryPoint, string Sentinel, string Text)
{
    private const byte Utf16Flag = 0x80;

    /// <summary>Passwords with the characters that break URLs and connection strings (as in SecretSentinelTests).</summary>
    public static readonly IReadOnlyList<string> Sentinels =
    [
        "S3nt1nel-Pa55w0rd",
        "S3nt1nel@Pa55w0rd",
        "S3nt1nel/Pa55w0rd",
        "S3nt1nel?Pa55w0rd",
        "S3nt1nel#Pa55w0rd",
        "S3nt1nel:Pa55w0rd",
        "S3nt1nel%Pa55w0rd",
        "S3nt1nel Pa55w0rd",
        "S3nt1nel'Pa55w0rd",
        "S3nt1nel;Pa55w0rd",
        "S3nt1nel&Pa55w0rd",
        "S3nt1nel=Pa55w0rd",
        "S3nt1nel\"Pa55w0rd",
        "S3nt1nel\\Pa55w0rd",
        "S3nt1n\u00E9l\u20ACP\u00E455w0rd",
        "S3nt1nel@/?#:%Pa55w0rd",
    ];

    public static FuzzInput Decode(ReadOnlySpan<byte> data)
    {
        var selector = data.Length > 0 ? data[0] : (byte)0;
        var sentinel = data.Length > 1 ? Sentinels[data[1] % Sentinels.Count] : Sentinels[0];
        var body = data.Length > 2 ? data[2..] : [];
        var text = (selector & Utf16Flag) != 0 ? DecodeUtf16(body) : Encoding.UTF8.GetString(body);
        var entryPoints = Enum.GetValues<EntryPoint>();
        return new(entryPoints[(selector & 0x7F) % entryPoints.Length], sentinel, text);
    }

    public static byte[] Encode(EntryPoint entryPoint, int sentinel, string text, bool utf16 = false)
    {
        var body = utf16 ? Encoding.Unicode.GetBytes(text) : Encoding.UTF8.GetBytes(text);
        var bytes = new byte[body.Length + 2];
        bytes[0] = (byte)((int)entryPoint | (utf16 ? Utf16Flag : 0));
        bytes[1] = (byte)sentinel;
        body.CopyTo(bytes, 2);
        return bytes;
    }

    /// <summary>UTF-16LE without validation: unpaired surrogates stay in the string, as a .NET caller can pass them.</summary>
    private static string DecodeUtf16(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[bytes.Length / 2];
        for (var i = 0; i < chars.Length; i++)
        {
            chars[i] = (char)(bytes[2 * i] | (bytes[(2 * i) + 1] << 8));
        }

        return new string(chars);
    }

    public override string ToString() => $"{EntryPoint}, sentinel {Display.Literal(Sentinel)}: {Display.Literal(Text)}";
}
