using RnnGen.IO;
using static RnnGen.Tests.IO.SafeTensorsBytes;

namespace RnnGen.Tests.IO;

public class SafeTensorsWriterTests
{
    [Fact]
    public void DuplicateNameIsRejected()
    {
        var writer = new SafeTensorsWriter();
        writer.Add<float>("w", [1f], 1);
        var e = Assert.Throws<ArgumentException>(() => writer.Add<double>("w", [1d], 1));
        AssertMentions(e, "'w'", "already added");
    }

    [Fact]
    public void ShapeMustMatchTheNumberOfValues()
    {
        var writer = new SafeTensorsWriter();
        var e = Assert.Throws<ArgumentException>(() => writer.Add<float>("w", new float[5], 2, 3));
        AssertMentions(e, "'w'", "[2, 3]", "6 elements", "5 values");
        e = Assert.Throws<ArgumentException>(() => writer.Add<int>("scalar", [1, 2]));   // no shape means a scalar
        AssertMentions(e, "'scalar'", "[]", "1 elements", "2 values");
        e = Assert.Throws<ArgumentException>(() => writer.Add<int>("neg", [], -1, 0));
        AssertMentions(e, "'neg'", "[-1, 0]", "negative");
    }

    [Fact]
    public void NamesMustBeNonEmptyAndNotTheMetadataKey()
    {
        var writer = new SafeTensorsWriter();
        Assert.Throws<ArgumentException>(() => writer.Add<float>("", [1f], 1));
        Assert.Throws<ArgumentNullException>(() => writer.Add<float>(null!, [1f], 1));
        AssertMentions(Assert.Throws<ArgumentException>(() => writer.Add<float>("__metadata__", [1f], 1)), "'__metadata__'", "reserved");
        Assert.Empty(SafeTensorsReader.FromBytes(writer.ToBytes()).Tensors);   // failed adds leave nothing behind
    }

    [Fact]
    public void UnsupportedElementTypeIsRejected() =>
        AssertMentions(Assert.Throws<NotSupportedException>(() => new SafeTensorsWriter().Add<byte>("b", [1], 1)), "'b'", "Byte");

    [Fact]
    public void DuplicateMetadataKeyIsRejected()
    {
        var writer = new SafeTensorsWriter();
        writer.AddMetadata("format", "pt");
        AssertMentions(Assert.Throws<ArgumentException>(() => writer.AddMetadata("format", "np")), "'format'", "'pt'");
    }

    [Fact]
    public void ValuesAreCopiedWhenAdded()
    {
        var values = new[] { 1f, 2f };
        var writer = new SafeTensorsWriter();
        writer.Add<float>("w", values, 2);
        values[0] = 99f;
        Assert.Equal([1f, 2f], SafeTensorsReader.FromBytes(writer.ToBytes()).Read<float>("w", out _));
    }

    private static SafeTensorsWriter Small()
    {
        var writer = new SafeTensorsWriter();
        writer.AddMetadata("format", "pt");
        writer.Add<float>("w", [1f, 2f, 3f], 3);
        return writer;
    }

    [Fact]
    public void SaveIntoAMissingFolderFailsWithoutLeavingFiles()
    {
        using var folder = new TemporaryFolder();
        var missing = Path.Combine(folder.Path, "no", "such", "folder");
        Assert.Throws<DirectoryNotFoundException>(() => Small().Save(Path.Combine(missing, "model.safetensors")));
        Assert.False(Directory.Exists(Path.Combine(folder.Path, "no")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder.Path));
    }

    [Fact]
    public void SaveReplacesAnExistingFileAndLeavesNoTemporaryFile()
    {
        using var folder = new TemporaryFolder();
        var path = folder.File("model.safetensors");
        File.WriteAllText(path, "old content, much longer than the new file will be ............................................");
        var writer = Small();
        writer.Save(path);
        Assert.Equal(writer.ToBytes(), File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(folder.Path));
        using var reader = SafeTensorsReader.Open(path);
        Assert.Equal([1f, 2f, 3f], reader.Read<float>("w", out _));
    }

    /// <summary>A folder at the target is refused before anything is written: the folder stays as it was and no temporary file appears.</summary>
    [Fact]
    public void FailedSaveKeepsTheTargetAndLeavesNoTemporaryFile()
    {
        using var folder = new TemporaryFolder();
        var target = folder.File("model.safetensors");
        Directory.CreateDirectory(target);
        File.WriteAllText(Path.Combine(target, "keep.txt"), "kept");
        Assert.ThrowsAny<IOException>(() => Small().Save(target));
        Assert.Equal("kept", File.ReadAllText(Path.Combine(target, "keep.txt")));
        Assert.Equal([target], Directory.GetFileSystemEntries(folder.Path));
    }

    [Fact]
    public void WriteToAStreamMatchesToBytes()
    {
        var writer = Small();
        using var stream = new MemoryStream();
        stream.WriteByte(0xAB);   // writes from the current position
        writer.WriteTo(stream);
        Assert.Equal([0xAB, .. writer.ToBytes()], stream.ToArray());
    }
}
