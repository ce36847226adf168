using System.Runtime.CompilerServices;

namespace RnnGen.Tests.Support;

/// <summary>Finds a folder of the repository from the test's output folder (walking up to the folder with RnnGen.sln),
/// or else from this source file's path; test data needs no copy to the output.</summary>
internal static class RepositoryFiles
{
    public static string Folder(params string[] parts) => Find(Path.Combine(parts));

    private static string Find(string relative, [CallerFilePath] string source = "")
    {
        var starts = new[] { AppContext.BaseDirectory, Path.GetDirectoryName(source) ?? "" };
        foreach (var start in starts.Where(s => s.Length > 0))
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, relative);
                if (File.Exists(Path.Combine(dir.FullName, "RnnGen.sln")) && Directory.Exists(candidate)) return candidate;
            }
        throw new DirectoryNotFoundException($"{relative} not found above {AppContext.BaseDirectory} or {source}.");
    }
}
