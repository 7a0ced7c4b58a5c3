using System.Collections;
using System.Text;

namespace PgSecureConnect.Fuzz;

/// <summary>A property that does not hold for an input: a finding.</summary>
internal sealed class PropertyViolationException(string message, Exception? innerException = null) : Exception(message, innerException);

/// <summary>
/// The properties checked for every reading of every input:
/// <list type="number">
/// <item>it returns settings or throws <see cref="ConnectionConfigurationException"/> with at least one problem and a
/// message, and nothing else;</item>
/// <item>no part of a planted sentinel password (any 5-character piece, raw or percent-encoded, in any case) appears in
/// the exception (message, <c>ToString()</c>, key, problems, data); on success, no piece of it that was read as the
/// password or sslpassword appears in <c>ToString()</c>, <c>ToUrl()</c>, <c>Describe()</c>, the sources or the
/// warnings;</item>
/// <item>accepted settings render (<c>ToString</c>, <c>ToUrl</c>, <c>Describe</c>, the Npgsql connection string), and
/// <c>ToUrl(includePassword: true)</c> reads back to the same settings: the same URL, passwords and Npgsql connection
/// string.</item>
/// </list>
/// </summary>
internal static class Properties
{
    private const int PieceLength = 5;

    public static void Check(Reading reading, FuzzInput input)
    {
        // A piece the rest of the text spells too ("TIMEL?password=" holds "el?pa") may rightly be shown: it is not the secret.
        var pieces = reading.PlantedSentinel ? Pieces(input.Sentinel, exceptIn: reading.Text.Replace(input.Sentinel, "\u0001", StringComparison.Ordinal)) : [];
        ConnectionSettings settings;
        try
        {
            settings = reading.Read();
        }
        catch (ConnectionConfigurationException e)
        {
            if (e.Problems.Count == 0 || string.IsNullOrWhiteSpace(e.Message) || e.Problems.Any(p => string.IsNullOrWhiteSpace(p.Message)))
            {
                throw Violation(reading, "a ConnectionConfigurationException without problems or messages", e);
            }

            NoPiece(pieces, reading, "the exception's Message", e.Message);
            NoPiece(pieces, reading, "the exception's ToString()", e.ToString());
            NoPiece(pieces, reading, "the exception's Key", e.Key);
            foreach (var problem in e.Problems)
            {
                NoPiece(pieces, reading, "a problem", problem.ToString());
                NoPiece(pieces, reading, "a problem's key", problem.Key);
                NoPiece(pieces, reading, "a problem's source", problem.Source?.ToString());
            }

            foreach (DictionaryEntry entry in e.Data)
            {
                NoPiece(pieces, reading, "the exception's Data", $"{entry.Key}={entry.Value}");
            }

            return;
        }
        catch (Exception e)
        {
            throw Violation(reading, $"{e.GetType().Name} instead of ConnectionConfigurationException", e);
        }

        string shown, url, described, npgsql;
        try
        {
            shown = settings.ToString();
            url = settings.ToUrl();
            described = settings.Describe();
            npgsql = settings.ToNpgsqlConnectionStringBuilder().ConnectionString;
        }
        catch (Exception e)
        {
            throw Violation(reading, "accepted settings that cannot be rendered", e);
        }

        // A planted password that the reading took for something else (a database name that swallowed it, say) is that
        // setting's value now, and shown as such; what was read as a secret must not show.
        pieces = [.. pieces.Where(p => Holds(settings.GetPassword(), p) || Holds(settings.GetSslPassword(), p))];
        NoPiece(pieces, reading, "ToString()", shown);
        NoPiece(pieces, reading, "ToUrl()", url);
        NoPiece(pieces, reading, "Describe()", described);
        foreach (var (keyword, source) in settings.Sources)
        {
            NoPiece(pieces, reading, $"the source of {keyword}", source.ToString());
        }

        foreach (var warning in settings.Warnings)
        {
            NoPiece(pieces, reading, "a warning", warning);
        }

        var withPassword = settings.ToUrl(includePassword: true);
        ConnectionSettings again;
        try
        {
            again = ConnectionSettings.FromUrl(withPassword);
        }
        catch (Exception e)
        {
            throw Violation(reading, $"ToUrl(includePassword: true) = {Display.Literal(withPassword)} cannot be read back", e);
        }

        if (again.ToUrl(includePassword: true) != withPassword)
        {
            throw Violation(reading, $"ToUrl(includePassword: true) = {Display.Literal(withPassword)} reads back as {Display.Literal(again.ToUrl(includePassword: true))}");
        }

        if (again.GetPassword() != settings.GetPassword() || again.GetSslPassword() != settings.GetSslPassword())
        {
            throw Violation(reading, $"ToUrl(includePassword: true) = {Display.Literal(withPassword)} does not keep the password or sslpassword");
        }

        if (again.ToNpgsqlConnectionStringBuilder().ConnectionString != npgsql)
        {
            throw Violation(reading, $"ToUrl(includePassword: true) = {Display.Literal(withPassword)} reads back to other settings: Npgsql connection string {Display.Literal(again.ToNpgsqlConnectionStringBuilder().ConnectionString)} instead of {Display.Literal(npgsql)}");
        }
    }

    /// <summary>Every 5-character piece of the password, raw and percent-encoded, except those the rest of the text holds.</summary>
    private static string[] Pieces(string password, string exceptIn)
    {
        var pieces = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var form in new[] { password, Uri.EscapeDataString(password) })
        {
            for (var i = 0; i + PieceLength <= form.Length; i++)
            {
                pieces.Add(form.Substring(i, PieceLength));
            }
        }

        return [.. pieces.Where(p => !exceptIn.Contains(p, StringComparison.OrdinalIgnoreCase))];
    }

    private static bool Holds(string? secret, string piece) => secret is not null && secret.Contains(piece, StringComparison.OrdinalIgnoreCase);

    private static void NoPiece(string[] pieces, Reading reading, string where, string? text)
    {
        if (text is null)
        {
            return;
        }

        foreach (var piece in pieces)
        {
            if (text.Contains(piece, StringComparison.OrdinalIgnoreCase))
            {
                throw Violation(reading, $"{where} reveals {Display.Literal(piece)} of the planted password: {Display.Literal(text)}");
            }
        }
    }

    private static PropertyViolationException Violation(Reading reading, string what, Exception? inner = null)
    {
        var message = new StringBuilder().Append(what).Append("\n  reading: ").Append(reading.Description);
        if (inner is not null)
        {
            message.Append("\n  exception: ").Append(inner.GetType().FullName).Append(": ").Append(inner.Message);
        }

        return new PropertyViolationException(message.ToString(), inner);
    }
}
