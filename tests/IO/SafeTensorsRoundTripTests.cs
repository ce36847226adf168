using System.Buffers.Binary;
using System.Text;
using RnnGen.IO;

namespace RnnGen.Tests.IO;

/// <summary>Builds safetensors files byte by byte, independently of <see cref="SafeTensorsWriter"/>.</summary>
internal static class SafeTensorsBytes
{
    /// <summary>The 8-byte little-endian header length, the header (padded with spaces to 8 when asked), then the data.</summary>
    public static byte[] Build(string header, byte[] data, bool pad = false)
    {
        var json = Encoding.UTF8.GetBytes(header);
        if (pad && json.Length % 8 != 0)
            json = [.. json, .. Enumerable.Repeat((byte)' ', 8 - json.Length % 8)];
        var file = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)json.Length);
        json.CopyTo(file, 8);
        data.CopyTo(file, 8 + json.Length);
        return file;
    }

    public static byte[] Floats(params float[] values)
    {
        var bytes = new byte[4 * values.Length];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        return bytes;
    }

    public static byte[] Longs(params long[] values)
    {
        var bytes = new byte[8 * values.Length];
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8 * i), values[i]);
        return bytes;
    }

    public static void AssertMentions(Exception exception, params string[] parts)
    {
        foreach (var part in parts)
            Assert.True(exception.Message.Contains(part, StringComparison.Ordinal), $"message lacks \"{part}\": {exception.Message}");
    }
}

/// <summary>A fresh folder under the system temp folder, deleted afterwards.</summary>
public sealed class TemporaryFolder : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "rnngen-safetensors-" + Guid.NewGuid().ToString("N"));

    public TemporaryFolder() => Directory.CreateDirectory(Path);

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

public class SafeTensorsRoundTripTests
{
    // Values chosen to catch any conversion: signed zero, subnormals, infinities, a NaN with a payload, extremes.
    private static readonly float[] Floats =
        [0.5f, -0f, float.Epsilon, float.MaxValue, float.NegativeInfinity, BitConverter.Int32BitsToSingle(0x7FC0_1234), 1e-38f, -3.25f];
    private static readonly double[] Doubles = [Math.PI, -0d, double.Epsilon, double.MinValue, BitConverter.Int64BitsToDouble(0x7FF8_0000_0000_BEEF), 1e300];
    private static readonly int[] Ints = [int.MinValue, -1, 0, 1, int.MaxValue, 42];
    private static readonly long[] Longs = [long.MinValue, -1, 0, long.MaxValue];

    private static SafeTensorsWriter FourTypes()
    {
        var writer = new SafeTensorsWriter();
        writer.AddMetadata("format", "pt");
        writer.AddMetadata("note", "ünïcode ✓ \"quoted\"");
        writer.Add<float>("layer.weight", Floats, 2, 4);
        writer.Add<double>("layer.bias", Doubles, 6);
        writer.Add<int>("steps", Ints, 3, 1, 2);
        writer.Add<long>("num_batches_tracked", Longs, 4);
        return writer;
    }

    private static void AssertFourTypes(SafeTensorsReader reader)
    {
        Assert.Equal(new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ünïcode ✓ \"quoted\"" }, reader.Metadata);
        Assert.Equal(["layer.weight", "layer.bias", "steps", "num_batches_tracked"], reader.Tensors.Select(t => t.Name));

        var floats = reader.Read<float>("layer.weight", out var shape);
        Assert.Equal([2, 4], shape);
        Assert.Equal(Floats.Select(BitConverter.SingleToInt32Bits), floats.Select(BitConverter.SingleToInt32Bits));
        var doubles = reader.Read<double>("layer.bias", out shape);
        Assert.Equal([6], shape);
        Assert.Equal(Doubles.Select(BitConverter.DoubleToInt64Bits), doubles.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(Ints, reader.Read<int>("steps", out shape));
        Assert.Equal([3, 1, 2], shape);
        var longs = new long[4];
        reader.Read<long>("num_batches_tracked", longs, [4]);
        Assert.Equal(Longs, longs);

        var info = reader["steps"];
        Assert.Equal(SafeTensorType.I32, info.DType);
        Assert.Equal(6, info.ElementCount);
        Assert.Equal(24, info.ByteLength);
    }

    [Fact]
    public void RoundTripInMemoryIsBitExact()
    {
        using var reader = SafeTensorsReader.FromBytes(FourTypes().ToBytes());
        AssertFourTypes(reader);
    }

    [Fact]
    public void RoundTripThroughFileIsBitExact()
    {
        using var folder = new TemporaryFolder();
        var path = folder.File("model.safetensors");
        var writer = FourTypes();
        writer.Save(path);
        Assert.Equal(writer.ToBytes(), File.ReadAllBytes(path));
        using var reader = SafeTensorsReader.Open(path);
        AssertFourTypes(reader);
    }

    [Fact]
    public void HeaderIsPaddedSoDataStartsEightByteAligned()
    {
        var writer = new SafeTensorsWriter { Checksums = false };
        writer.Add<float>("a", [1f], 1);
        var bytes = writer.ToBytes();
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, headerLength % 8);
        Assert.Equal("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", Encoding.UTF8.GetString(bytes, 8, headerLength).TrimEnd(' '));
        Assert.Equal(8 + headerLength + 4, bytes.Length);
    }

    /// <summary>
    /// The bytes <c>safetensors.torch.save_file({"weight": w, "bias": b, "num_batches_tracked": n}, path,
    /// metadata={"format": "pt"})</c> produces: compact JSON, metadata first, tensors ordered by alignment then name
    /// (the 8-byte I64 first), header padded with spaces to a multiple of 8.
    /// </summary>
    private const string PyTorchHeader =
        """{"__metadata__":{"format":"pt"},"num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[0,8]}""" +
        ""","bias":{"dtype":"F32","shape":[3],"data_offsets":[8,20]},"weight":{"dtype":"F32","shape":[3,2],"data_offsets":[20,44]}}""";

    private static readonly float[] Bias = [0.1f, -0.2f, 0.3f];
    private static readonly float[] Weight = [1f, 2f, -3.5f, 4.25f, 1e-7f, -0f];

    private static byte[] PyTorchFile() =>
        SafeTensorsBytes.Build(PyTorchHeader, [.. SafeTensorsBytes.Longs(7), .. SafeTensorsBytes.Floats(Bias), .. SafeTensorsBytes.Floats(Weight)], pad: true);

    [Fact]
    public void ReadsAFileAsPyTorchWritesIt()
    {
        using var reader = SafeTensorsReader.FromBytes(PyTorchFile(), "pytorch.safetensors");
        Assert.Equal("pt", Assert.Single(reader.Metadata).Value);
        Assert.Equal(
            ["num_batches_tracked: I64 [] @ [0, 8)", "bias: F32 [3] @ [8, 20)", "weight: F32 [3, 2] @ [20, 44)"],
            reader.Tensors.Select(t => t.ToString()));
        Assert.Equal(1, reader["num_batches_tracked"].ElementCount);   // a scalar: shape [], one element

        Assert.Equal([7L], reader.Read<long>("num_batches_tracked", out var shape));
        Assert.Empty(shape);
        Assert.Equal(Bias, reader.Read<float>("bias", out _));
        var weight = new float[6];
        reader.Read<float>("weight", weight, [3, 2]);
        Assert.Equal(Weight.Select(BitConverter.SingleToInt32Bits), weight.Select(BitConverter.SingleToInt32Bits));
    }

    [Fact]
    public void WriterReproducesPyTorchBytesExactly()
    {
        var writer = new SafeTensorsWriter { Checksums = false };
        writer.AddMetadata("format", "pt");
        writer.Add<long>("num_batches_tracked", [7L]);
        writer.Add<float>("bias", Bias, 3);
        writer.Add<float>("weight", Weight, 3, 2);
        Assert.Equal(PyTorchFile(), writer.ToBytes());
    }

    /// <summary>Key order in the header means nothing; pretty-printed JSON with trailing padding is still JSON.</summary>
    [Fact]
    public void TensorsAreListedByOffsetWhateverTheHeaderOrder()
    {
        const string header = """
            {
              "weight": { "dtype": "F32", "shape": [3, 2], "data_offsets": [20, 44] },
              "bias": { "dtype": "F32", "shape": [3], "data_offsets": [8, 20] },
              "__metadata__": { "format": "pt" },
              "num_batches_tracked": { "dtype": "I64", "shape": [], "data_offsets": [0, 8] }
            }
            """;
        var file = SafeTensorsBytes.Build(header + "     ", [.. SafeTensorsBytes.Longs(7), .. SafeTensorsBytes.Floats(Bias), .. SafeTensorsBytes.Floats(Weight)]);
        using var reader = SafeTensorsReader.FromBytes(file);
        Assert.Equal(["num_batches_tracked", "bias", "weight"], reader.Tensors.Select(t => t.Name));
        Assert.Equal(Bias, reader.Read<float>("bias", out _));
    }

    [Fact]
    public void F32WidensIntoDoubleExactly()
    {
        using var folder = new TemporaryFolder();
        var path = folder.File("floats.safetensors");
        File.WriteAllBytes(path, PyTorchFile());
        using var fromFile = SafeTensorsReader.Open(path);
        using var fromBytes = SafeTensorsReader.FromBytes(PyTorchFile());
        foreach (var reader in new[] { fromFile, fromBytes })
        {
            var widened = new double[6];
            reader.Read<double>("weight", widened, [3, 2]);
            Assert.Equal(Weight.Select(v => BitConverter.DoubleToInt64Bits(v)), widened.Select(BitConverter.DoubleToInt64Bits));
            Assert.Equal(Bias.Select(v => (double)v), reader.Read<double>("bias", out _));
        }
    }

    [Fact]
    public void OtherPyTorchDtypesOpenAndReportTheirMetadata()
    {
        const string header =
            """{"half":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"brain":{"dtype":"BF16","shape":[2],"data_offsets":[4,8]}""" +
            ""","mask":{"dtype":"BOOL","shape":[3],"data_offsets":[8,11]},"bytes":{"dtype":"U8","shape":[1],"data_offsets":[11,12]}""" +
            ""","q":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[12,16]}}""";
        using var reader = SafeTensorsReader.FromBytes(SafeTensorsBytes.Build(header, new byte[16]));
        Assert.Equal(
            [SafeTensorType.F16, SafeTensorType.BF16, SafeTensorType.Bool, SafeTensorType.U8, SafeTensorType.F8E4M3],
            reader.Tensors.Select(t => t.DType));
        Assert.Equal([2, 2, 3, 1, 4], reader.Tensors.Select(t => t.ElementCount));
    }

    [Fact]
    public void EmptyAndZeroElementTensorsRoundTrip()
    {
        var writer = new SafeTensorsWriter();
        writer.Add<float>("empty", [], 0, 5);
        writer.Add<double>("scalar", [2.5]);
        writer.Add<int>("also_empty", [], 0);
        using var reader = SafeTensorsReader.FromBytes(writer.ToBytes());
        Assert.Empty(reader.Read<float>("empty", out var shape));
        Assert.Equal([0, 5], shape);
        Assert.Equal([2.5], reader.Read<double>("scalar", out shape));
        Assert.Empty(shape);
        Assert.Empty(reader.Read<int>("also_empty", out _));
        Assert.Empty(reader.Metadata);
    }

    [Fact]
    public void AnEmptyWriterWritesAValidFile()
    {
        var bytes = new SafeTensorsWriter().ToBytes();
        Assert.Equal(16, bytes.Length);   // prefix + "{}" padded to 8
        using var reader = SafeTensorsReader.FromBytes(bytes);
        Assert.Empty(reader.Tensors);
        Assert.False(reader.Contains("anything"));
    }

    [Fact]
    public void ContainsAndReadIntoExistingBuffer()
    {
        using var reader = SafeTensorsReader.FromBytes(PyTorchFile());
        Assert.True(reader.Contains("bias"));
        Assert.False(reader.Contains("Bias"));
        var buffer = new float[3];
        reader.Read<float>("bias", buffer);   // no expected shape: only the length is checked
        Assert.Equal(Bias, buffer);
    }
}
