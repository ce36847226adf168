using System.Buffers;

namespace RnnGen.IO;

/// <summary>
/// Replaces a file all-or-nothing: the bytes go to <c>.&lt;name&gt;.rnngen-tmp</c> in the target's folder, are flushed
/// to disk, and that file is renamed over the target. The temporary name is fixed per target, so a save killed
/// half-way leaves at most one leftover, which the next save of that target overwrites. The temporary file stays
/// locked from creation through the rename: a second save of the same target meanwhile (another thread or process)
/// fails with an <see cref="IOException"/> instead of writing into the same file.
/// </summary>
internal static class AtomicFile
{
    private const string TemporarySuffix = ".rnngen-tmp";

    // Windows cannot rename a file open without FILE_SHARE_DELETE, which still refuses other readers and writers.
    private static readonly FileShare Exclusive = OperatingSystem.IsWindows() ? FileShare.Delete : FileShare.None;

    private static readonly SearchValues<char> LowercaseHex = SearchValues.Create("0123456789abcdef");

    public static void Write(string path, Action<Stream> write)
    {
        var target = CheckTarget(path);
        var temporary = Path.Combine(Path.GetDirectoryName(target)!, $".{Path.GetFileName(target)}{TemporarySuffix}");
        using (var stream = OpenLocked(temporary, target))   // if this throws, the file is another save's: leave it
        {
            try
            {
                write(stream);
                stream.Flush(flushToDisk: true);
                File.Move(temporary, target, overwrite: true);   // still locked, so no other save can slip in between
            }
            catch
            {
                TryDelete(temporary);
                throw;
            }
        }
        RemoveRandomlyNamedLeftovers(target);
    }

    /// <summary>The full path of a file target whose folder exists; a folder, or a missing folder, is said so.</summary>
    private static string CheckTarget(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        if (Path.EndsInDirectorySeparator(path) || Directory.Exists(target))
            throw new IOException($"Cannot save to '{target}': it is a directory. Give a file path, such as '{Path.Combine(target, "model.safetensors")}'.");
        var folder = Path.GetDirectoryName(target)!;
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"Cannot save '{target}': the folder '{folder}' does not exist.");
        return target;
    }

    private static FileStream OpenLocked(string temporary, string target)
    {
        try
        {
            return new FileStream(temporary, FileMode.Create, FileAccess.Write, Exclusive);
        }
        // A plain IOException on a file that exists is the lock (errno and Win32 codes differ by platform).
        catch (IOException e) when (e.GetType() == typeof(IOException) && File.Exists(temporary))
        {
            throw new IOException($"Cannot save '{target}': another save of it is in progress (its temporary file '{temporary}' is locked). " +
                                  "Save to another path, or again once that save has finished.", e);
        }
    }

    /// <summary>Earlier versions named the temporary file <c>.&lt;name&gt;.&lt;32 hex digits&gt;.tmp</c>; a killed save's stayed forever.</summary>
    private static void RemoveRandomlyNamedLeftovers(string target)
    {
        var prefix = $".{Path.GetFileName(target)}.";
        foreach (var file in Directory.EnumerateFiles(Path.GetDirectoryName(target)!, "*.tmp"))
        {
            var name = Path.GetFileName(file.AsSpan());
            if (name.Length == prefix.Length + 32 + ".tmp".Length && name.StartsWith(prefix, StringComparison.Ordinal) &&
                !name.Slice(prefix.Length, 32).ContainsAnyExcept(LowercaseHex))
                TryDelete(file);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException) { }   // the original failure matters more than a leftover file
        catch (UnauthorizedAccessException) { }
    }
}
