using System.Buffers.Binary;
using System.Text;
using RnnGen.IO;
using static RnnGen.Tests.IO.SafeTensorsBytes;

namespace RnnGen.Tests.IO;

/// <summary>Every malformed file and every mismatched read throws, naming the file, the tensor or field, and both values.</summary>
public class SafeTensorsReaderErrorTests
{
    private const string File = "bad.safetensors";

    private static InvalidDataException Bad(byte[] bytes) =>
        Assert.Throws<InvalidDataException>(() => SafeTensorsReader.FromBytes(bytes, File));

    private static InvalidDataException Bad(string header, int dataLength) => Bad(Build(header, new byte[dataLength]));

    [Fact]
    public void FileShorterThanTheLengthPrefix() =>
        AssertMentions(Bad([1, 2, 3]), File, "3 bytes", "8-byte");

    [Fact]
    public void ShortFileOnDiskNamesThePath()
    {
        using var folder = new TemporaryFolder();
        var path = folder.File("short.safetensors");
        System.IO.File.WriteAllBytes(path, [0, 0, 0, 0, 0]);
        var e = Assert.Throws<InvalidDataException>(() => SafeTensorsReader.Open(path));
        AssertMentions(e, path, "5 bytes", "8-byte");
    }

    [Fact]
    public void HeaderLengthLargerThanTheFile()
    {
        var bytes = new byte[8 + 10];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1000);
        AssertMentions(Bad(bytes), File, "1000", "only 10 bytes");
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue);
        AssertMentions(Bad(bytes), File, ulong.MaxValue.ToString(), "only 10 bytes");
    }

    [Theory]
    [InlineData("""{"w": {"dtype": "F32", """)]
    [InlineData("")]
    [InlineData("""{"w": 1} trailing""")]
    public void HeaderNotValidJson(string header) =>
        AssertMentions(Bad(header, 0), File, "not valid JSON");

    [Fact]
    public void HeaderNotValidUtf8()
    {
        byte[] header = [.. Encoding.UTF8.GetBytes("{\"w"), 0xFF, 0xFE, .. Encoding.UTF8.GetBytes("\": 1}")];
        byte[] bytes = [.. BitConverter.GetBytes((ulong)header.Length), .. header];
        AssertMentions(Bad(bytes), File, "not valid UTF-8 at byte 3");
    }

    [Theory]
    [InlineData("[1, 2]", "an array")]
    [InlineData("\"weights\"", "the string \"weights\"")]
    [InlineData("42", "the number 42")]
    public void HeaderNotAnObject(string header, string found) =>
        AssertMentions(Bad(header, 0), File, "header must be a JSON object", found);

    [Theory]
    [InlineData("dtype", """{"w": {"shape": [2], "data_offsets": [0, 8]}}""")]
    [InlineData("shape", """{"w": {"dtype": "F32", "data_offsets": [0, 8]}}""")]
    [InlineData("data_offsets", """{"w": {"dtype": "F32", "shape": [2]}}""")]
    public void MissingField(string field, string header) =>
        AssertMentions(Bad(header, 8), File, "tensor 'w'", $"missing field '{field}'");

    [Fact]
    public void TensorEntryNotAnObject() =>
        AssertMentions(Bad("""{"w": [0, 8]}""", 8), File, "tensor 'w'", "an array");

    [Fact]
    public void UnknownDtype() =>
        AssertMentions(Bad("""{"w": {"dtype": "Q7", "shape": [2], "data_offsets": [0, 8]}}""", 8), File, "tensor 'w'", "\"Q7\"", "F32");

    [Theory]
    [InlineData("""[2, -3]""", "shape[1]", "-3")]
    [InlineData("""[2.5]""", "shape[0]", "2.5")]
    [InlineData("""[4294967296]""", "shape[0]", "4294967296")]
    [InlineData("\"2x3\"", "shape must be an array", "the string \"2x3\"")]
    public void BadShape(string shape, string field, string found) =>
        AssertMentions(Bad($$$"""{"w": {"dtype": "F32", "shape": {{{shape}}}, "data_offsets": [0, 0]}}""", 0), File, "tensor 'w'", field, found);

    [Fact]
    public void OffsetsNotAPair() =>
        AssertMentions(Bad("""{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 4, 8]}}""", 8), File, "tensor 'w'", "2 numbers", "holds 3");

    [Fact]
    public void OffsetsOutOfOrder() =>
        AssertMentions(Bad("""{"w": {"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}}""", 8), File, "tensor 'w'", "[8, 0]", "out of order");

    [Fact]
    public void ByteRangeDoesNotMatchShapeAndDtype() =>
        AssertMentions(Bad("""{"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 20]}}""", 20),
            File, "tensor 'w'", "[0, 20]", "20 bytes", "F32 shape [2, 3]", "24 bytes");

    [Fact]
    public void OverlappingTensors() =>
        AssertMentions(Bad("""{"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}, "b": {"dtype": "F32", "shape": [4], "data_offsets": [8, 24]}}""", 24),
            File, "tensor 'b'", "[8, 24]", "overlaps tensor 'a'", "ends at 16");

    [Fact]
    public void GapBetweenTensors() =>
        AssertMentions(Bad("""{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [2], "data_offsets": [16, 24]}}""", 24),
            File, "tensor 'b'", "begins at data offset 16", "tensor 'a' ends at 8", "gap of 8 bytes");

    [Fact]
    public void GapAtTheStart() =>
        AssertMentions(Bad("""{"a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 16]}}""", 16),
            File, "tensor 'a'", "begins at data offset 8", "start of the data section at 0");

    [Fact]
    public void HeaderClaimsMoreDataThanTheFileHolds() =>
        AssertMentions(Bad("""{"a": {"dtype": "F32", "shape": [6], "data_offsets": [0, 24]}, "b": {"dtype": "F64", "shape": [3], "data_offsets": [24, 48]}}""", 24),
            File, "tensor 'b'", "ends at data offset 48", "holds only 24 bytes");

    [Fact]
    public void TruncatedBody()
    {
        var writer = new SafeTensorsWriter();
        writer.Add<float>("a", new float[4], 4);
        writer.Add<float>("b", new float[6], 2, 3);
        var whole = writer.ToBytes();
        AssertMentions(Bad(whole[..^4]), File, "tensor 'b'", "ends at data offset 40", "holds only 36 bytes", "truncated");
    }

    [Fact]
    public void TrailingBytesBelongToNoTensor() =>
        AssertMentions(Bad("""{"w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}}""", 28),
            File, "cover 24 bytes", "holds 28 bytes", "4 trailing bytes");

    [Fact]
    public void DuplicateTensorNames() =>
        AssertMentions(Bad("""{"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "w": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}""", 8),
            File, "'w'", "more than once");

    [Theory]
    [InlineData("""{"__metadata__": {"epoch": 3}}""", "__metadata__.epoch", "the number 3")]
    [InlineData("""{"__metadata__": ["pt"]}""", "__metadata__", "an array")]
    public void MetadataMustMapStringsToStrings(string header, string field, string found) =>
        AssertMentions(Bad(header, 0), File, field, found);

    // ---- reads that do not match the file ----

    private static SafeTensorsReader Reader()
    {
        var writer = new SafeTensorsWriter();
        writer.Add<float>("w", new float[6], 2, 3);
        writer.Add<int>("counts", new int[2], 2);
        writer.Add<long>("big", new long[1], 1);
        return SafeTensorsReader.FromBytes(writer.ToBytes(), File);
    }

    [Fact]
    public void ReadWithTheWrongDtype()
    {
        using var reader = Reader();
        AssertMentions(Assert.Throws<InvalidDataException>(() => reader.Read<float>("counts", out _)), File, "tensor 'counts'", "is I32", "Read<Single>", "needs F32");
        AssertMentions(Assert.Throws<InvalidDataException>(() => reader.Read<int>("w", new int[6])), File, "tensor 'w'", "is F32", "needs I32");
        AssertMentions(Assert.Throws<InvalidDataException>(() => reader.Read<double>("big", out _)), File, "tensor 'big'", "is I64", "needs F64 or F32");
        AssertMentions(Assert.Throws<NotSupportedException>(() => reader.Read<byte>("w", out _)), File, "tensor 'w'", "Byte");
    }

    [Fact]
    public void ReadExpectingAnotherShapeNamesBothShapes()
    {
        using var reader = Reader();
        var e = Assert.Throws<InvalidDataException>(() => reader.Read<float>("w", new float[6], [3, 2]));
        AssertMentions(e, File, "tensor 'w'", "shape [2, 3]", "shape [3, 2] was expected");
        e = Assert.Throws<InvalidDataException>(() => reader.Read<float>("w", new float[6], [6]));
        AssertMentions(e, "[2, 3]", "[6]");
    }

    [Fact]
    public void ReadIntoADestinationOfTheWrongLength()
    {
        using var reader = Reader();
        var e = Assert.Throws<ArgumentException>(() => reader.Read<float>("w", new float[5]));
        AssertMentions(e, File, "tensor 'w'", "6 elements", "holds 5");
        Assert.Equal("destination", e.ParamName);
        Assert.Throws<ArgumentException>(() => reader.Read<double>("w", new double[7]));
    }

    [Fact]
    public void MissingTensor()
    {
        using var reader = Reader();
        var e = Assert.Throws<KeyNotFoundException>(() => reader["nope"]);
        AssertMentions(e, File, "'nope'", "'w'", "'counts'");
        Assert.Throws<KeyNotFoundException>(() => reader.Read<float>("nope", out _));
        Assert.Throws<KeyNotFoundException>(() => reader.Read<float>("nope", new float[1]));
    }

    [Fact]
    public void ReadAfterDispose()
    {
        using var folder = new TemporaryFolder();
        var path = folder.File("model.safetensors");
        var writer = new SafeTensorsWriter();
        writer.Add<float>("w", [1f, 2f], 2);
        writer.Save(path);
        var reader = SafeTensorsReader.Open(path);
        reader.Dispose();
        Assert.Throws<ObjectDisposedException>(() => reader.Read<float>("w", new float[2]));
        Assert.Equal(2, reader["w"].ElementCount);   // the header stays readable
    }

    [Fact]
    public void OpenReleasesTheFileWhenTheHeaderIsBad()
    {
        using var folder = new TemporaryFolder();
        var path = folder.File("bad.safetensors");
        System.IO.File.WriteAllBytes(path, Build("[]", []));
        AssertMentions(Assert.Throws<InvalidDataException>(() => SafeTensorsReader.Open(path)), path, "an array");
        // An exclusive open fails while any other handle is open (on Unix .NET enforces FileShare with advisory locks).
        using var exclusive = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
    }
}
