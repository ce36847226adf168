using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace RnnGen.IO;

/// <summary>
/// The element types of the safetensors format. The first eight are the ones RnnGen cares about; the rest exist so
/// that a file written by PyTorch with, say, an int8 buffer still opens (its metadata is readable, only
/// <see cref="SafeTensorsReader.Read{T}(string, Span{T}, ReadOnlySpan{int})"/> refuses it).
/// </summary>
/// <remarks>Thread safety: a value; safe to share between threads.</remarks>
public enum SafeTensorType
{
    /// <summary>IEEE 754 half precision (16 bits).</summary>
    F16,
    /// <summary>bfloat16: the upper 16 bits of a float.</summary>
    BF16,
    /// <summary>IEEE 754 single precision (float).</summary>
    F32,
    /// <summary>IEEE 754 double precision (double).</summary>
    F64,
    /// <summary>32-bit signed integer.</summary>
    I32,
    /// <summary>64-bit signed integer.</summary>
    I64,
    /// <summary>8-bit unsigned integer.</summary>
    U8,
    /// <summary>Boolean, one byte.</summary>
    Bool,
    /// <summary>8-bit signed integer.</summary>
    I8,
    /// <summary>16-bit signed integer.</summary>
    I16,
    /// <summary>16-bit unsigned integer.</summary>
    U16,
    /// <summary>32-bit unsigned integer.</summary>
    U32,
    /// <summary>64-bit unsigned integer.</summary>
    U64,
    /// <summary>8-bit float, 4 exponent and 3 mantissa bits.</summary>
    F8E4M3,
    /// <summary>8-bit float, 5 exponent and 2 mantissa bits.</summary>
    F8E5M2,
}

/// <summary>One tensor of a safetensors file: its element type, shape and byte range [Begin, End) in the data section.</summary>
/// <remarks>Thread safety: immutable (do not change the Shape array); thread-safe.</remarks>
public sealed record SafeTensorInfo(string Name, SafeTensorType DType, int[] Shape, long Begin, long End)
{
    /// <summary>The product of the shape; 1 for a scalar (shape []).</summary>
    public long ElementCount => SafeTensorsFormat.ElementCount(Shape);

    /// <summary>Bytes of the tensor's data: End − Begin.</summary>
    public long ByteLength => End - Begin;

    /// <summary>The tensor as text: name, dtype, shape and byte range.</summary>
    public override string ToString() => $"{Name}: {DType} {SafeTensorsFormat.ShapeText(Shape)} @ [{Begin}, {End})";
}

/// <summary>Facts about the format shared by the reader and the writer.</summary>
internal static class SafeTensorsFormat
{
    /// <summary>The reference implementation refuses larger headers; so do we, before allocating for one.</summary>
    public const long MaxHeaderLength = 100_000_000;

    public const string MetadataKey = "__metadata__";

    private static readonly (SafeTensorType Type, string Name, int Size)[] Types =
    [
        (SafeTensorType.F16, "F16", 2), (SafeTensorType.BF16, "BF16", 2), (SafeTensorType.F32, "F32", 4),
        (SafeTensorType.F64, "F64", 8), (SafeTensorType.I32, "I32", 4), (SafeTensorType.I64, "I64", 8),
        (SafeTensorType.U8, "U8", 1), (SafeTensorType.Bool, "BOOL", 1), (SafeTensorType.I8, "I8", 1),
        (SafeTensorType.I16, "I16", 2), (SafeTensorType.U16, "U16", 2), (SafeTensorType.U32, "U32", 4),
        (SafeTensorType.U64, "U64", 8), (SafeTensorType.F8E4M3, "F8_E4M3", 1), (SafeTensorType.F8E5M2, "F8_E5M2", 1),
    ];

    public static string KnownNames => string.Join(", ", Types.Select(t => t.Name));

    public static bool TryParse(string? name, out SafeTensorType type)
    {
        foreach (var entry in Types)
            if (entry.Name == name) { type = entry.Type; return true; }
        type = default;
        return false;
    }

    public static string Name(SafeTensorType type) => Entry(type).Name;

    public static int Size(SafeTensorType type) => Entry(type).Size;

    private static (SafeTensorType Type, string Name, int Size) Entry(SafeTensorType type)
    {
        foreach (var entry in Types)
            if (entry.Type == type) return entry;
        throw new ArgumentOutOfRangeException(nameof(type), type, "not a safetensors dtype");
    }

    /// <summary>The dtype a CLR element type is stored as, or null when the reader and writer do not support it.</summary>
    public static SafeTensorType? TypeOf<T>() =>
        typeof(T) == typeof(float) ? SafeTensorType.F32
        : typeof(T) == typeof(double) ? SafeTensorType.F64
        : typeof(T) == typeof(int) ? SafeTensorType.I32
        : typeof(T) == typeof(long) ? SafeTensorType.I64
        : null;

    public static long ElementCount(ReadOnlySpan<int> shape)
    {
        long count = 1;
        foreach (var dimension in shape) count = checked(count * dimension);
        return count;
    }

    public static string ShapeText(ReadOnlySpan<int> shape) => $"[{string.Join(", ", shape.ToArray())}]";

    /// <summary>The format is little-endian; on a big-endian host every element is byte-swapped after a copy.</summary>
    public static void FixEndianness<T>(Span<T> values) where T : unmanaged
    {
        if (BitConverter.IsLittleEndian) return;
        if (typeof(T) == typeof(float) || typeof(T) == typeof(int))
            BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<T, int>(values), MemoryMarshal.Cast<T, int>(values));
        else if (typeof(T) == typeof(double) || typeof(T) == typeof(long))
            BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<T, long>(values), MemoryMarshal.Cast<T, long>(values));
    }
}
