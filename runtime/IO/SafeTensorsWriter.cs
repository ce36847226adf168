using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace RnnGen.IO;

/// <summary>
/// Collects tensors and metadata and writes them as a safetensors file the way the reference implementation does:
/// compact JSON header with <c>__metadata__</c> first, padded with spaces to a multiple of 8 bytes so the data
/// section starts 8-byte aligned, then the tensors back to back, little-endian. Tensors are written in the order
/// they were added. Unless <see cref="Checksums"/> is off, the metadata also carries each tensor's checksum
/// (see <see cref="SafeTensorsChecksums"/>), which <see cref="SafeTensorsReader"/> verifies on every read.
/// </summary>
/// <remarks>Thread safety: not thread-safe while adding; Save is safe across processes (a second save of one path fails clearly).</remarks>
public sealed class SafeTensorsWriter
{
    private readonly List<Tensor> _tensors = [];
    private readonly HashSet<string> _names = [];
    private readonly Dictionary<string, string> _metadata = [];

    private sealed record Tensor(string Name, SafeTensorType DType, int[] Shape, byte[] Bytes, string? Checksum);

    /// <summary>Write each tensor's checksum into the metadata (the default); off, the bytes are exactly PyTorch's.</summary>
    public bool Checksums { get; init; } = true;

    /// <summary>
    /// Adds a tensor of float, double, int or long. The values are copied, so the span may be reused at once.
    /// An empty shape means a scalar (one value), as in PyTorch.
    /// </summary>
    public void Add<T>(string name, ReadOnlySpan<T> values, params int[] shape) where T : unmanaged
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        if (name == SafeTensorsFormat.MetadataKey)
            throw new ArgumentException($"'{name}' is reserved for the metadata and cannot name a tensor", nameof(name));
        if (_names.Contains(name))
            throw new ArgumentException($"a tensor named '{name}' was already added", nameof(name));
        var dtype = SafeTensorsFormat.TypeOf<T>()
            ?? throw new NotSupportedException($"tensor '{name}': element type {typeof(T).Name} is not supported; use float, double, int or long");
        foreach (var dimension in shape)
            if (dimension < 0)
                throw new ArgumentException($"tensor '{name}': shape {SafeTensorsFormat.ShapeText(shape)} has a negative dimension", nameof(shape));
        var count = SafeTensorsFormat.ElementCount(shape);
        if (count != values.Length)
            throw new ArgumentException($"tensor '{name}': shape {SafeTensorsFormat.ShapeText(shape)} holds {count} elements, " +
                                        $"but {values.Length} values were given", nameof(values));

        var bytes = MemoryMarshal.AsBytes(values).ToArray();
        SafeTensorsFormat.FixEndianness(MemoryMarshal.Cast<byte, T>(bytes.AsSpan()));
        _names.Add(name);
        _tensors.Add(new Tensor(name, dtype, (int[])shape.Clone(), bytes, Checksums ? SafeTensorsChecksums.Text(bytes) : null));
    }

    /// <summary>Adds a string to the header's <c>__metadata__</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="key"/> was already added or starts with the checksum prefix, which is reserved.</exception>
    public void AddMetadata(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        if (key.StartsWith(SafeTensorsChecksums.KeyPrefix, StringComparison.Ordinal))
            throw new ArgumentException($"metadata keys starting with '{SafeTensorsChecksums.KeyPrefix}' are reserved for the tensor checksums", nameof(key));
        if (!_metadata.TryAdd(key, value))
            throw new ArgumentException($"metadata key '{key}' was already added (value '{_metadata[key]}')", nameof(key));
    }

    /// <summary>
    /// Saves atomically (see <see cref="AtomicFile"/>): a failed or killed save never leaves a half-written file, and an
    /// existing file is either kept whole or replaced whole. A directory or a missing folder is named in the error.
    /// </summary>
    public void Save(string path) => AtomicFile.Write(path, WriteTo);

    /// <summary>The file's bytes: header then data, as <see cref="Save"/> writes them.</summary>
    public byte[] ToBytes()
    {
        var header = Header();
        var bytes = new byte[checked(8 + header.Length + _tensors.Sum(t => (long)t.Bytes.Length))];
        Write(new MemoryStream(bytes), header);
        return bytes;
    }

    /// <summary>Writes the file to any stream, starting at its current position.</summary>
    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Write(stream, Header());
    }

    private void Write(Stream stream, byte[] header)
    {
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        stream.Write(prefix);
        stream.Write(header);
        foreach (var tensor in _tensors)
            stream.Write(tensor.Bytes);
    }

    /// <summary>The JSON header, padded with spaces to a multiple of 8 bytes.</summary>
    private byte[] Header()
    {
        var buffer = new ArrayBufferWriter<byte>();
        // Relaxed escaping writes names as plain UTF-8, as the reference implementation does, rather than \uXXXX.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            WriteMetadata(json);
            long offset = 0;
            foreach (var tensor in _tensors)
            {
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", SafeTensorsFormat.Name(tensor.DType));
                json.WriteStartArray("shape");
                foreach (var dimension in tensor.Shape) json.WriteNumberValue(dimension);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                offset += tensor.Bytes.Length;
                json.WriteNumberValue(offset);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }
        var padding = (8 - buffer.WrittenCount % 8) % 8;
        buffer.GetSpan(padding)[..padding].Fill((byte)' ');
        buffer.Advance(padding);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The user's entries, then the checksums in tensor order; no <c>__metadata__</c> at all when both are empty.</summary>
    private void WriteMetadata(Utf8JsonWriter json)
    {
        var checksums = _tensors.Where(t => t.Checksum is not null).ToList();
        if (_metadata.Count == 0 && checksums.Count == 0) return;
        json.WriteStartObject(SafeTensorsFormat.MetadataKey);
        foreach (var (key, value) in _metadata)
            json.WriteString(key, value);
        foreach (var tensor in checksums)
            json.WriteString(SafeTensorsChecksums.Key(tensor.Name), tensor.Checksum);
        json.WriteEndObject();
    }
}
