namespace PgSecureConnect.Parsing;

/// <summary>A raw parameter value and where it came from.</summary>
/// <param name="Value">The value as written (after percent-decoding).</param>
/// <param name="Source">Where it came from.</param>
/// <param name="MayHoldSecret">
/// The value was cut from a URL whose user information is ambiguous, so it may hold part of a password and must not
/// be quoted in messages.
/// </param>
internal readonly record struct ParameterValue(string Value, SettingSource Source, bool MayHoldSecret = false);
