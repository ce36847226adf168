using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace RnnGen.IO;

/// <summary>
/// Parses the JSON header of a safetensors file and checks it against the size of the data section, so that a
/// reader never has to trust an offset: every tensor's byte range matches its dtype and shape, and the ranges, sorted,
/// tile the data section exactly (no gap, no overlap, nothing past the end, nothing left over), as the spec requires.
/// </summary>
internal static class SafeTensorsHeader
{
    public static (List<SafeTensorInfo> Tensors, Dictionary<string, string> Metadata) Parse(
        ReadOnlyMemory<byte> json, long dataLength, string file)
    {
        var tensors = new List<SafeTensorInfo>();
        var names = new HashSet<string>();
        Dictionary<string, string>? metadata = null;
        using (var document = ParseJson(json, file))
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw Error(file, $"header must be a JSON object, but it is {Describe(root)}");
            // JsonDocument keeps repeated keys; the spec's maps cannot hold them, so a repeat is an error, not "last wins".
            foreach (var property in root.EnumerateObject())
            {
                if (!names.Add(property.Name))
                    throw Error(file, $"header names '{property.Name}' more than once");
                if (property.Name == SafeTensorsFormat.MetadataKey)
                    metadata = ParseMetadata(property.Value, file);
                else
                    tensors.Add(ParseTensor(property.Name, property.Value, file));
            }
        }
        // PyTorch writes tensors in offset order; the header's key order carries no meaning.
        tensors.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        CheckTiling(tensors, dataLength, file);
        return (tensors, metadata ?? []);
    }

    public static InvalidDataException Error(string file, string message, Exception? inner = null) =>
        new($"safetensors file '{file}': {message}", inner);

    private static JsonDocument ParseJson(ReadOnlyMemory<byte> json, string file)
    {
        // JsonDocument only decodes strings when asked, so bad UTF-8 in a name would surface later as an odd exception.
        if (!Utf8.IsValid(json.Span))
            throw Error(file, $"header is not valid JSON: it is not valid UTF-8 at byte {FirstInvalidUtf8(json.Span)} of the header");
        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw Error(file, $"header ({json.Length} bytes) is not valid JSON: {e.Message}", e);
        }
    }

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        var offset = 0;
        while (Rune.DecodeFromUtf8(bytes[offset..], out _, out var length) == OperationStatus.Done)
            offset += length;
        return offset;
    }

    private static Dictionary<string, string> ParseMetadata(JsonElement element, string file)
    {
        if (element.ValueKind != JsonValueKind.Object)
            throw Error(file, $"header field '{SafeTensorsFormat.MetadataKey}' must be an object of strings, but it is {Describe(element)}");
        var metadata = new Dictionary<string, string>();
        foreach (var entry in element.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw Error(file, $"header field '{SafeTensorsFormat.MetadataKey}.{entry.Name}' must be a string, but it is {Describe(entry.Value)}");
            if (!metadata.TryAdd(entry.Name, entry.Value.GetString()!))
                throw Error(file, $"header field '{SafeTensorsFormat.MetadataKey}' names '{entry.Name}' more than once");
        }
        return metadata;
    }

    private static SafeTensorInfo ParseTensor(string name, JsonElement entry, string file)
    {
        if (entry.ValueKind != JsonValueKind.Object)
            throw Error(file, $"tensor '{name}' must be an object with dtype, shape and data_offsets, but it is {Describe(entry)}");

        var dtypeElement = Field(entry, "dtype", name, file);
        if (dtypeElement.ValueKind != JsonValueKind.String || !SafeTensorsFormat.TryParse(dtypeElement.GetString(), out var dtype))
            throw Error(file, $"tensor '{name}': unknown dtype {dtypeElement.GetRawText()}, expected one of {SafeTensorsFormat.KnownNames}");

        var shapeValues = Integers(Field(entry, "shape", name, file), "shape", name, file, int.MaxValue);
        var shape = Array.ConvertAll(shapeValues, v => (int)v);

        var offsets = Integers(Field(entry, "data_offsets", name, file), "data_offsets", name, file, long.MaxValue);
        if (offsets.Length != 2)
            throw Error(file, $"tensor '{name}': data_offsets must hold 2 numbers [begin, end], but it holds {offsets.Length}");
        var (begin, end) = (offsets[0], offsets[1]);
        if (end < begin)
            throw Error(file, $"tensor '{name}': data_offsets [{begin}, {end}] are out of order, end {end} comes before begin {begin}");

        long needed;
        try
        {
            needed = checked(SafeTensorsFormat.ElementCount(shape) * SafeTensorsFormat.Size(dtype));
        }
        catch (OverflowException)
        {
            throw Error(file, $"tensor '{name}': shape {SafeTensorsFormat.ShapeText(shape)} has too many elements to address");
        }
        if (end - begin != needed)
            throw Error(file, $"tensor '{name}': data_offsets [{begin}, {end}] span {end - begin} bytes, but {SafeTensorsFormat.Name(dtype)} " +
                              $"shape {SafeTensorsFormat.ShapeText(shape)} needs {needed} bytes");
        return new SafeTensorInfo(name, dtype, shape, begin, end);
    }

    private static JsonElement Field(JsonElement entry, string field, string tensor, string file) =>
        entry.TryGetProperty(field, out var value)
            ? value
            : throw Error(file, $"tensor '{tensor}' is missing field '{field}' (it has: {string.Join(", ", entry.EnumerateObject().Select(p => p.Name))})");

    /// <summary>An array of integers in [0, max]; shapes and offsets are never negative or fractional.</summary>
    private static long[] Integers(JsonElement array, string field, string tensor, string file, long max)
    {
        if (array.ValueKind != JsonValueKind.Array)
            throw Error(file, $"tensor '{tensor}': {field} must be an array of integers, but it is {Describe(array)}");
        var values = new long[array.GetArrayLength()];
        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var value) || value < 0 || value > max)
                throw Error(file, $"tensor '{tensor}': {field}[{i}] must be an integer in [0, {max}], but it is {item.GetRawText()}");
            values[i++] = value;
        }
        return values;
    }

    /// <summary>Sorted by offset, each tensor must start where the previous one ended, and the last end the data section.</summary>
    private static void CheckTiling(List<SafeTensorInfo> tensors, long dataLength, string file)
    {
        long covered = 0;
        SafeTensorInfo? previous = null;
        foreach (var tensor in tensors)
        {
            var after = previous is null ? "the start of the data section" : $"tensor '{previous.Name}' ends";
            if (tensor.Begin > covered)
                throw Error(file, $"tensor '{tensor.Name}' begins at data offset {tensor.Begin}, but {after} at {covered}: " +
                                  $"a gap of {tensor.Begin - covered} bytes belongs to no tensor");
            if (tensor.Begin < covered)
                throw Error(file, $"tensor '{tensor.Name}' (data_offsets [{tensor.Begin}, {tensor.End}]) overlaps tensor '{previous!.Name}', " +
                                  $"which ends at {covered}");
            if (tensor.End > dataLength)
                throw Error(file, $"tensor '{tensor.Name}' ends at data offset {tensor.End}, but the data section holds only {dataLength} bytes " +
                                  "(the file is truncated or its header lies about offsets)");
            covered = tensor.End;
            previous = tensor;
        }
        if (covered != dataLength)
            throw Error(file, $"the tensors cover {covered} bytes, but the data section holds {dataLength} bytes: " +
                              $"{dataLength - covered} trailing bytes belong to no tensor");
    }

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"the string {element.GetRawText()}",
        JsonValueKind.Number => $"the number {element.GetRawText()}",
        _ => element.GetRawText(),
    };
}
