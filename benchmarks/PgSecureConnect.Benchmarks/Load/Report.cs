using System.Globalization;
using System.Text;

namespace PgSecureConnect.Benchmarks.Load;

/// <summary>Prints Markdown as it goes (and keeps it for <c>--out</c>); collects functional failures.</summary>
internal sealed class Report
{
    private readonly StringBuilder _text = new();

    public List<string> Failures { get; } = [];

    public List<string> Notes { get; } = [];

    public void Heading(string text) => Line($"\n### {text}\n");

    public void Line(string text = "")
    {
        Console.WriteLine(text);
        _text.AppendLine(text);
    }

    public void Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        Line("| " + string.Join(" | ", headers) + " |");
        Line("|" + string.Concat(headers.Select((_, i) => i == 0 ? " --- |" : " ---: |")));
        foreach (var row in rows)
        {
            Line("| " + string.Join(" | ", row) + " |");
        }

        Line();
    }

    public void Fail(string message)
    {
        Failures.Add(message);
        Line($"**FUNCTIONAL FAILURE:** {message}");
    }

    public void Save(string path) => File.WriteAllText(path, _text.ToString());

    public static string Ms(double milliseconds) => milliseconds switch
    {
        double.NaN => "n/a",
        < 1 => milliseconds.ToString("0.000", CultureInfo.InvariantCulture),
        < 100 => milliseconds.ToString("0.00", CultureInfo.InvariantCulture),
        _ => milliseconds.ToString("0", CultureInfo.InvariantCulture),
    };

    public static string Ratio(double ratio) => double.IsNaN(ratio) || double.IsInfinity(ratio) ? "n/a" : ratio.ToString("0.000", CultureInfo.InvariantCulture) + "×";

    public static string Num(double value, string format = "0") => value.ToString(format, CultureInfo.InvariantCulture);
}
