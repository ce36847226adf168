using RnnGen.IO;
using static RnnGen.Tests.IO.SafeTensorsBytes;

namespace RnnGen.Tests.IO;

/// <summary>What a save leaves on disk when it is killed, raced or pointed at the wrong kind of path.</summary>
public class SafeTensorsSaveTests
{
    private static SafeTensorsWriter Small()
    {
        var writer = new SafeTensorsWriter();
        writer.Add<float>("w", [1f, 2f, 3f], 3);
        return writer;
    }

    /// <summary>
    /// A save killed between writing and renaming leaves its temporary file: ".model.safetensors.rnngen-tmp" now,
    /// ".model.safetensors.&lt;32 hex digits&gt;.tmp" before. The next save of that target leaves only the target;
    /// another target's leftovers are not ours to touch.
    /// </summary>
    [Fact]
    public void TheNextSaveRemovesWhatAKilledSaveLeftBehind()
    {
        using var folder = new TemporaryFolder();
        var path = folder.File("model.safetensors");
        var garbage = new byte[8 << 20];
        new Random(1).NextBytes(garbage);
        File.WriteAllBytes(folder.File(".model.safetensors.rnngen-tmp"), garbage);
        File.WriteAllBytes(folder.File($".model.safetensors.{Guid.NewGuid():N}.tmp"), garbage[..1000]);
        var otherTargets = folder.File($".other.safetensors.{Guid.NewGuid():N}.tmp");
        File.WriteAllBytes(otherTargets, [1]);

        var writer = Small();
        writer.Save(path);

        Assert.Equal([otherTargets, path], Directory.GetFiles(folder.Path).Order());
        Assert.Equal(writer.ToBytes(), File.ReadAllBytes(path));
    }

    /// <summary>A second save of a target while one is writing it fails clearly and leaves the target alone.</summary>
    [Fact]
    public void ASaveWhileAnotherSaveOfTheSameTargetRunsFailsClearly()
    {
        using var folder = new TemporaryFolder();
        var path = folder.File("model.safetensors");
        File.WriteAllText(path, "previous");
        var temporary = folder.File(".model.safetensors.rnngen-tmp");
        using (new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))   // the other save, mid-write
        {
            var error = Assert.Throws<IOException>(() => Small().Save(path));
            AssertMentions(error, path, "another save");
            Assert.True(File.Exists(temporary));   // the other save's file is not ours to delete
        }
        Assert.Equal("previous", File.ReadAllText(path));
    }

    /// <summary>A save that fails while writing (a full disk, say) keeps the old file and removes its temporary file.</summary>
    [Fact]
    public void ASaveThatFailsWhileWritingKeepsTheTarget()
    {
        using var folder = new TemporaryFolder();
        var path = folder.File("model.safetensors");
        File.WriteAllText(path, "previous");
        Assert.Throws<IOException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write(new byte[4096]);
            throw new IOException("No space left on device");
        }));
        Assert.Equal("previous", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void SavingToADirectorySaysItIsADirectory()
    {
        using var folder = new TemporaryFolder();
        var directory = folder.File("checkpoints");
        Directory.CreateDirectory(directory);
        AssertMentions(Assert.ThrowsAny<IOException>(() => Small().Save(directory)), directory, "is a directory");
        AssertMentions(Assert.ThrowsAny<IOException>(() => Small().Save(directory + Path.DirectorySeparatorChar)), directory, "is a directory");
        Assert.Empty(Directory.EnumerateFileSystemEntries(directory));
    }

    [Fact]
    public void SavingIntoAMissingFolderNamesTheFolder()
    {
        using var folder = new TemporaryFolder();
        var missing = Path.Combine(folder.Path, "no", "such");
        var error = Assert.Throws<DirectoryNotFoundException>(() => Small().Save(Path.Combine(missing, "model.safetensors")));
        AssertMentions(error, $"folder '{missing}' does not exist");
    }

    [Fact]
    public void CheckpointSaveToADirectorySaysItIsADirectory()
    {
        using var folder = new TemporaryFolder();
        var parameters = new SequenceTagger<RnnGen.Gru, float>(9, 4, 5, 9, 2, 6).Parameters();
        AssertMentions(Assert.ThrowsAny<IOException>(() => Checkpoint.Save(parameters, folder.Path)), folder.Path, "is a directory");
    }
}
