using System.Buffers.Binary;
using System.Text.Json;
using RnnGen.IO;
using static RnnGen.Tests.IO.SafeTensorsBytes;

namespace RnnGen.Tests.IO;

/// <summary>A flipped bit anywhere in a file RnnGen saved fails the load, naming what is wrong, and changes no weight.</summary>
public class SafeTensorsChecksumTests
{
    private static SequenceTagger<RnnGen.Gru, float> Model(int seed) => new(9, 4, 5, 9, 2, 6, new RecurrentOptions { Bidirectional = true }, seed);

    private static float[] Weights(SequenceTagger<RnnGen.Gru, float> model) => model.Parameters().SelectMany(p => p.Values.ToArray()).ToArray();

    private static JsonElement Metadata(byte[] file)
    {
        var length = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        return JsonDocument.Parse(file.AsMemory(8, length)).RootElement.GetProperty("__metadata__");
    }

    [Fact]
    public void ACheckpointCarriesAChecksumForEveryTensor()
    {
        using var folder = new TemporaryFolder();
        var path = folder.File("model.safetensors");
        Checkpoint.Save(Model(1).Parameters(), path, new Dictionary<string, string> { ["model"] = "tagger" });
        var metadata = Metadata(File.ReadAllBytes(path));
        foreach (var tensor in Model(1).Parameters())
            Assert.Matches("^[0-9a-f]{16}$", metadata.GetProperty($"rnngen.xxh3.{tensor.Name}").GetString());
        using var reader = SafeTensorsReader.Open(path);
        Assert.Equal(new Dictionary<string, string> { ["model"] = "tagger" }, reader.Metadata);   // the user's metadata, as given
    }

    [Fact]
    public void ABitFlipInAnyTensorFailsTheLoadNamingItAndLoadsNothing()
    {
        using var folder = new TemporaryFolder();
        var path = folder.File("model.safetensors");
        Checkpoint.Save(Model(1).Parameters(), path);
        var saved = File.ReadAllBytes(path);
        using var original = SafeTensorsReader.Open(path);
        var dataStart = 8 + (long)BinaryPrimitives.ReadUInt64LittleEndian(saved);
        foreach (var tensor in original.Tensors)
        {
            var corrupted = (byte[])saved.Clone();
            corrupted[dataStart + (tensor.Begin + tensor.End) / 2] ^= 0x10;
            File.WriteAllBytes(path, corrupted);
            var target = Model(2);
            var before = Weights(target);
            var error = Assert.Throws<InvalidDataException>(() => Checkpoint.Load(target.Parameters(), path));
            AssertMentions(error, path, $"tensor '{tensor.Name}'", "checksum", "corrupted");
            Assert.Equal(before, Weights(target));
        }
    }

    /// <summary>A bit flip in any byte of the length prefix or the header (bit i % 8 of byte i) either fails the load or leaves the values intact.</summary>
    [Fact]
    public void ABitFlipInTheHeaderFailsTheLoadOrIsHarmless()
    {
        var source = Model(1);
        var writer = new SafeTensorsWriter();
        foreach (var tensor in source.Parameters()) writer.Add<float>(tensor.Name, tensor.Values.Span, tensor.Values.Length);
        var saved = writer.ToBytes();
        var headerEnd = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(saved);
        var expected = Weights(source);
        var target = Model(2);   // a failed load changes nothing and a good one loads `expected`, so one target serves every flip
        for (var i = 0; i < headerEnd; i++)
        {
            var corrupted = (byte[])saved.Clone();
            corrupted[i] ^= (byte)(1 << i % 8);
            try
            {
                using var reader = SafeTensorsReader.FromBytes(corrupted, "model.safetensors");
                Checkpoint.Load(target.Parameters(), reader);
            }
            catch (InvalidDataException) { continue; }
            Assert.True(expected.AsSpan().SequenceEqual(Weights(target)), $"flipping bit {i % 8} of byte {i} loaded other values without an error");
        }
    }

    [Fact]
    public void APyTorchStateDictSavedByRnnGenIsCheckedToo()
    {
        using var folder = new TemporaryFolder();
        var path = folder.File("lstm.safetensors");
        var layer = new RecurrentLayer<RnnGen.Lstm, float>(3, 4, 2, 5);
        PyTorchStateDict.Save(layer, path, "rnn.");
        var file = File.ReadAllBytes(path);
        Assert.Equal("pt", Metadata(file).GetProperty("format").GetString());
        using (var reader = SafeTensorsReader.FromBytes(file))
            file[8 + (long)BinaryPrimitives.ReadUInt64LittleEndian(file) + reader["rnn.weight_hh_l0"].Begin] ^= 1;
        File.WriteAllBytes(path, file);
        var error = Assert.Throws<InvalidDataException>(() => PyTorchStateDict.Load(new RecurrentLayer<RnnGen.Lstm, float>(3, 4, 2, 5), path, "rnn."));
        AssertMentions(error, "tensor 'rnn.weight_hh_l0'", "fails its checksum");
    }

    [Fact]
    public void AFloatTensorWidenedToDoubleIsCheckedToo()
    {
        var writer = new SafeTensorsWriter();
        writer.Add<float>("w", [1f, 2f, 3f], 3);
        var file = writer.ToBytes();
        file[^1] ^= 0x80;   // the sign of the last value
        using var reader = SafeTensorsReader.FromBytes(file, "w.safetensors");
        AssertMentions(Assert.Throws<InvalidDataException>(() => reader.Read<double>("w", new double[3])), "tensor 'w'", "checksum");
    }

    [Fact]
    public void TheChecksumKeysAreReserved()
    {
        var writer = new SafeTensorsWriter();
        AssertMentions(Assert.Throws<ArgumentException>(() => writer.AddMetadata("rnngen.xxh3.w", "0")), "rnngen.xxh3.", "reserved");
    }
}
