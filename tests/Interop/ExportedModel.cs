using System.Numerics;
using RnnGen.Interop;
using RnnGen.IO;
using RnnGen.Tests.Support;

namespace RnnGen.Tests.Interop;

/// <summary>A model exported for PyTorch into a fresh folder: <c>model.py</c> (PyTorchModuleWriter), the RnnGen
/// checkpoint <c>model.safetensors</c>, and Python scripts run there with Debian's interpreter.</summary>
internal sealed class ExportedModel<T> : IDisposable where T : unmanaged, IFloatingPointIeee754<T>
{
    public ExportedModel(Model<T> model)
    {
        Folder = Directory.CreateTempSubdirectory("rnngen-pytorch-").FullName;
        Model = model;
        PyTorchModuleWriter.Save(model, Path.Combine(Folder, "model.py"));
        ModelCheckpoint.Save(Path.Combine(Folder, "model.safetensors"), model);
    }

    public string Folder { get; }

    public Model<T> Model { get; }

    public string Dtype => typeof(T) == typeof(double) ? "F64" : "F32";

    public string PathOf(string file) => Path.Combine(Folder, file);

    /// <summary>Writes <paramref name="script"/> as a file beside the model and runs it with the given arguments.</summary>
    public string Run(string script, params string[] args)
    {
        File.WriteAllText(PathOf("script.py"), script);
        return DebianPython.Run(Folder, "script.py", args);
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
