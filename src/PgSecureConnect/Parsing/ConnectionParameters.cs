namespace PgSecureConnect.Parsing;

/// <summary>
/// Connection parameters in libpq's keyword space (<c>host</c>, <c>port</c>, <c>sslmode</c>, ...), each with the place
/// it came from. A later value for the same keyword replaces an earlier one, as in libpq.
/// </summary>
internal sealed class ConnectionParameters
{
    private readonly Dictionary<string, ParameterValue> _values = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    public int Count => _values.Count;

    public IEnumerable<string> Keywords => _order;

    public void Set(string keyword, string value, SettingSource source, bool mayHoldSecret = false)
    {
        if (!_values.ContainsKey(keyword))
        {
            _order.Add(keyword);
        }

        _values[keyword] = new ParameterValue(value, source, mayHoldSecret);
    }

    /// <summary>Sets <paramref name="keyword"/> only when it has no value yet (a lower-precedence layer).</summary>
    public bool SetIfMissing(string keyword, string value, SettingSource source)
    {
        if (_values.ContainsKey(keyword))
        {
            return false;
        }

        Set(keyword, value, source);
        return true;
    }

    public bool Remove(string keyword)
    {
        _order.Remove(keyword);
        return _values.Remove(keyword);
    }

    public bool TryGet(string keyword, out ParameterValue value) => _values.TryGetValue(keyword, out value);

    /// <summary>The values as a plain dictionary, for comparison with libpq's <c>PQconninfoParse</c>.</summary>
    public IReadOnlyDictionary<string, string> ToDictionary()
        => _order.ToDictionary(k => k, k => _values[k].Value, StringComparer.Ordinal);
}
