namespace RnnGen;

public sealed partial class Model<T>
{
    /// <summary>Saves the model alone as a self-describing checkpoint (<see cref="ModelCheckpoint.Save{T}"/>).</summary>
    public void Save(string path) => ModelCheckpoint.Save(path, this);

    /// <summary>Rebuilds a model saved by <see cref="Save"/> or <see cref="ModelCheckpoint.Save{T}"/>, without user code
    /// (custom cells registered first).</summary>
    public static Model<T> Load(string path) => ModelCheckpoint.Load<T>(path).Model;
}
