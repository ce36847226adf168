using System.Buffers.Binary;
using System.Collections.ObjectModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace RnnGen.IO;

/// <summary>
/// Reads a safetensors file: an 8-byte little-endian header length N, N bytes of JSON header, then the tensors'
/// little-endian bytes. The whole header is checked when the reader is created (see <see cref="SafeTensorsHeader"/>);
/// tensor data is copied straight from the file (positioned reads, no memory map: a file truncated by someone else
/// while mapped would crash the process instead of throwing) into the caller's span, with no intermediate buffer.
/// Reads are positioned, so one reader may serve several threads.
/// </summary>
/// <remarks>Thread safety: thread-safe for concurrent reads (positioned reads); do not dispose while reading.</remarks>
public sealed class SafeTensorsReader : IDisposable
{
    private const int PrefixLength = 8;

    private readonly string _file;
    private readonly SafeFileHandle? _handle;   // Open: tensors are read from the file at their offsets
    private readonly byte[]? _bytes;            // FromBytes: tensors are sliced out of the caller's array
    private readonly long _dataStart;
    private readonly Dictionary<string, SafeTensorInfo> _byName;
    private readonly Dictionary<string, ulong> _checksums;   // by tensor name; empty for files RnnGen did not write
    private bool _disposed;

    private SafeTensorsReader(string file, SafeFileHandle? handle, byte[]? bytes, long fileLength, ReadOnlyMemory<byte> header)
    {
        _file = file;
        _handle = handle;
        _bytes = bytes;
        _dataStart = PrefixLength + header.Length;
        var (tensors, metadata) = SafeTensorsHeader.Parse(header, fileLength - _dataStart, file);
        Tensors = tensors.AsReadOnly();
        var (user, checksums) = SafeTensorsChecksums.Split(metadata, file);
        Metadata = user.AsReadOnly();
        _checksums = checksums;
        _byName = tensors.ToDictionary(t => t.Name);
    }

    /// <summary>Opens a file and validates its whole header; tensor data is read later, on demand.</summary>
    public static SafeTensorsReader Open(string path)
    {
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            var length = RandomAccess.GetLength(handle);
            CheckPrefixFits(path, length);
            Span<byte> prefix = stackalloc byte[PrefixLength];
            ReadAt(handle, path, 0, prefix, "the header length");
            var header = new byte[HeaderLength(path, length, prefix)];
            ReadAt(handle, path, PrefixLength, header, "the header");
            return new SafeTensorsReader(path, handle, null, length, header);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Reads from an in-memory file. The array is not copied: do not change it while the reader is in use.</summary>
    public static SafeTensorsReader FromBytes(byte[] bytes, string displayName = "<memory>")
    {
        ArgumentNullException.ThrowIfNull(bytes);
        CheckPrefixFits(displayName, bytes.Length);
        var headerLength = HeaderLength(displayName, bytes.Length, bytes.AsSpan(0, PrefixLength));
        return new SafeTensorsReader(displayName, null, bytes, bytes.Length, bytes.AsMemory(PrefixLength, headerLength));
    }

    /// <summary>The tensors in data-offset order, which is the order PyTorch writes them in.</summary>
    public IReadOnlyList<SafeTensorInfo> Tensors { get; }

    /// <summary>
    /// The header's optional <c>__metadata__</c> string map (PyTorch writes <c>format: pt</c>), without the tensor
    /// checksums RnnGen keeps there (see <see cref="SafeTensorsChecksums"/>), which the reader checks itself.
    /// </summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The path the reader was opened on, or the display name given to <see cref="FromBytes"/>.</summary>
    public string FileName => _file;

    /// <summary>Whether the file holds a tensor named <paramref name="name"/>.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The tensor named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">The file has no such tensor; the message lists the names it has.</exception>
    public SafeTensorInfo this[string name] => _byName.TryGetValue(name, out var tensor)
        ? tensor
        : throw new KeyNotFoundException($"{Prefix}: no tensor named '{name}'; the file holds {Tensors.Count}: " +
                                         string.Join(", ", Tensors.Take(20).Select(t => $"'{t.Name}'")) + (Tensors.Count > 20 ? ", ..." : ""));

    /// <summary>
    /// Copies a tensor into <paramref name="destination"/> after checking its dtype (<typeparamref name="T"/> must
    /// match, except that F32 may be widened into double) and, unless <paramref name="expectedShape"/> is empty, its shape.
    /// A mismatch with the file throws <see cref="InvalidDataException"/>; a destination of the wrong length throws
    /// <see cref="ArgumentException"/>. When the file carries the tensor's checksum, bytes that fail it throw
    /// <see cref="InvalidDataException"/> after the destination was filled, so stage into a scratch buffer when a
    /// failed read must change nothing (<see cref="Checkpoint"/> and <see cref="PyTorchStateDict"/> loads do).
    /// </summary>
    public void Read<T>(string name, Span<T> destination, ReadOnlySpan<int> expectedShape = default) where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var tensor = this[name];
        var widen = CheckType<T>(tensor);
        if (!expectedShape.IsEmpty && !expectedShape.SequenceEqual(tensor.Shape))
            throw SafeTensorsHeader.Error(_file, $"tensor '{name}' has shape {SafeTensorsFormat.ShapeText(tensor.Shape)}, " +
                                                 $"but shape {SafeTensorsFormat.ShapeText(expectedShape)} was expected");
        if (destination.Length != tensor.ElementCount)
            throw new ArgumentException($"{Prefix}: tensor '{name}' has {tensor.ElementCount} elements " +
                                        $"(shape {SafeTensorsFormat.ShapeText(tensor.Shape)}), but the destination holds {destination.Length}",
                                        nameof(destination));
        if ((long)destination.Length * Unsafe.SizeOf<T>() > int.MaxValue)
            throw new NotSupportedException($"{Prefix}: tensor '{name}' is larger than 2 GB, which spans cannot address");

        if (widen)
        {
            ReadWidened(tensor, MemoryMarshal.Cast<T, double>(destination));
            return;
        }
        ReadBytes(tensor, MemoryMarshal.AsBytes(destination));
        SafeTensorsFormat.FixEndianness(destination);
    }

    /// <summary>Reads a whole tensor into a new array; <paramref name="shape"/> receives a copy of its shape.</summary>
    public T[] Read<T>(string name, out int[] shape) where T : unmanaged
    {
        var tensor = this[name];
        CheckType<T>(tensor);   // before allocating, so a wrong type does not cost a large array
        var values = new T[tensor.ElementCount];
        Read<T>(name, values);
        shape = (int[])tensor.Shape.Clone();
        return values;
    }

    /// <summary>Releases the file (or the in-memory bytes); the reader cannot read afterwards.</summary>
    public void Dispose()
    {
        _disposed = true;
        _handle?.Dispose();
    }

    private string Prefix => $"safetensors file '{_file}'";

    /// <summary>Throws unless <typeparamref name="T"/> can hold the tensor; true when F32 must be widened to double.</summary>
    private bool CheckType<T>(SafeTensorInfo tensor) where T : unmanaged
    {
        var wanted = SafeTensorsFormat.TypeOf<T>()
            ?? throw new NotSupportedException($"{Prefix}: tensor '{tensor.Name}': Read<{typeof(T).Name}> is not supported; use float, double, int or long");
        if (tensor.DType == wanted) return false;
        if (wanted == SafeTensorType.F64 && tensor.DType == SafeTensorType.F32) return true;
        throw SafeTensorsHeader.Error(_file, $"tensor '{tensor.Name}' is {SafeTensorsFormat.Name(tensor.DType)}, but Read<{typeof(T).Name}> " +
                                             $"needs {SafeTensorsFormat.Name(wanted)}" + (wanted == SafeTensorType.F64 ? " or F32" : ""));
    }

    /// <summary>
    /// Reads the floats into the back half of the destination's bytes, then widens front to back: double i
    /// (bytes 8i..8i+7) only overwrites floats at or before i, which have already been read, so no buffer is needed.
    /// </summary>
    private void ReadWidened(SafeTensorInfo tensor, Span<double> destination)
    {
        var bytes = MemoryMarshal.AsBytes(destination);
        var floats = bytes[(bytes.Length / 2)..];
        ReadBytes(tensor, floats);
        for (var i = 0; i < destination.Length; i++)
            destination[i] = BinaryPrimitives.ReadSingleLittleEndian(floats[(4 * i)..]);
    }

    /// <summary>Copies a tensor's bytes as stored and checks them against its checksum, if the file has one.</summary>
    private void ReadBytes(SafeTensorInfo tensor, Span<byte> destination)
    {
        if (_bytes is not null)
            _bytes.AsSpan((int)(_dataStart + tensor.Begin), destination.Length).CopyTo(destination);
        else
            ReadAt(_handle!, _file, _dataStart + tensor.Begin, destination, $"tensor '{tensor.Name}'");
        if (_checksums.TryGetValue(tensor.Name, out var checksum))
            SafeTensorsChecksums.Verify(destination, checksum, tensor.Name, _file);
    }

    private static void ReadAt(SafeFileHandle handle, string file, long offset, Span<byte> destination, string what)
    {
        while (!destination.IsEmpty)
        {
            var read = RandomAccess.Read(handle, destination, offset);
            if (read == 0)
                throw SafeTensorsHeader.Error(file, $"the file ended at byte {offset} while reading {what}; it was truncated after it was opened");
            destination = destination[read..];
            offset += read;
        }
    }

    private static void CheckPrefixFits(string file, long length)
    {
        if (length < PrefixLength)
            throw SafeTensorsHeader.Error(file, $"the file is {length} bytes long, shorter than the {PrefixLength}-byte header length prefix");
    }

    /// <summary>The header length N from the prefix, checked against the file before anything is allocated for it.</summary>
    private static int HeaderLength(string file, long fileLength, ReadOnlySpan<byte> prefix)
    {
        var length = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        var available = fileLength - PrefixLength;
        if (length > (ulong)available)
            throw SafeTensorsHeader.Error(file, $"the header length prefix says {length} bytes, but only {available} bytes follow it");
        if (length > SafeTensorsFormat.MaxHeaderLength)
            throw SafeTensorsHeader.Error(file, $"the header length {length} exceeds the {SafeTensorsFormat.MaxHeaderLength}-byte limit");
        return (int)length;
    }
}
