using System.Globalization;
using System.IO.Hashing;

namespace RnnGen.IO;

/// <summary>
/// The checksums RnnGen keeps in a safetensors header. The format has none, so a flipped bit in tensor data would load
/// silently. Each tensor's stored (little-endian) bytes get an XXH3 64-bit hash, written to <c>__metadata__</c> as
/// <c>"rnngen.xxh3.&lt;tensor&gt;": "&lt;16 hex digits&gt;"</c>; metadata is a string-to-string map that PyTorch and
/// the safetensors library carry along and otherwise ignore. Files without them (PyTorch's) load unverified.
/// </summary>
internal static class SafeTensorsChecksums
{
    public const string KeyPrefix = "rnngen.xxh3.";

    public static string Key(string tensor) => KeyPrefix + tensor;

    public static string Text(ReadOnlySpan<byte> bytes) => XxHash3.HashToUInt64(bytes).ToString("x16", CultureInfo.InvariantCulture);

    /// <summary>Splits a header's metadata into the user's entries and the checksums, by tensor name.</summary>
    public static (Dictionary<string, string> Metadata, Dictionary<string, ulong> Checksums) Split(Dictionary<string, string> metadata, string file)
    {
        var user = new Dictionary<string, string>();
        var checksums = new Dictionary<string, ulong>();
        foreach (var (key, value) in metadata)
        {
            if (!key.StartsWith(KeyPrefix, StringComparison.Ordinal))
                user.Add(key, value);
            else if (value.Length == 16 && ulong.TryParse(value, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var checksum))
                checksums.Add(key[KeyPrefix.Length..], checksum);
            else
                throw SafeTensorsHeader.Error(file, $"metadata '{key}' must be an XXH3 checksum of 16 hex digits, but it is \"{value}\"");
        }
        return (user, checksums);
    }

    public static void Verify(ReadOnlySpan<byte> bytes, ulong expected, string tensor, string file)
    {
        var actual = XxHash3.HashToUInt64(bytes);
        if (actual != expected)
            throw SafeTensorsHeader.Error(file, $"tensor '{tensor}' fails its checksum (XXH3 {expected:x16} stored, {actual:x16} computed): " +
                                                "the file is corrupted");
    }
}
