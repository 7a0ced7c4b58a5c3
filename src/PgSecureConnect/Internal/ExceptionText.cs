namespace PgSecureConnect.Internal;

/// <summary>What the failure classifiers read from an exception: an exception of a kind anywhere in its chain, and one line of a message.</summary>
internal static class ExceptionText
{
    /// <summary>The first exception of type <typeparamref name="T"/> in <paramref name="exception"/> and its inner exceptions.</summary>
    public static T? Find<T>(Exception exception)
        where T : Exception
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is T match)
            {
                return match;
            }
        }

        return null;
    }

    /// <summary>The first line of <paramref name="text"/>, trimmed: a message for a one-line report.</summary>
    public static string FirstLine(string text)
    {
        var newline = text.IndexOf('\n', StringComparison.Ordinal);
        return (newline < 0 ? text : text[..newline]).Trim();
    }
}
