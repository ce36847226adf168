namespace RnnGen.Tests.Support;

/// <summary>Double layers with every weight random, for tests that run one layer two ways and compare everything.</summary>
public static class RandomLayers
{
    /// <summary>A layer with every weight uniform in ±0.4 (seed 7) and mask seed 11, a random input and output gradient,
    /// and the random source for whatever else the test draws.</summary>
    public static (RecurrentLayer<TCell, double> Layer, double[] Input, double[] DOutput, Random Random) Build<TCell>(
        int inputSize, int hidden, int batch, int steps, RecurrentOptions options) where TCell : IRecurrentCell
    {
        var random = new Random(7);
        var layer = new RecurrentLayer<TCell, double>(inputSize, hidden, batch, steps, options with { Seed = 11 });
        foreach (var parameters in layer.AllParameters)
            foreach (var array in parameters.Groups.Append(parameters.Vectors).Append(parameters.Projection))
                Finite.Random(random, array.Length, 0.4).CopyTo(array, 0);
        var input = Finite.Random(random, batch * steps * inputSize);
        var dOutput = Finite.Random(random, batch * steps * layer.OutputSize);
        return (layer, input, dOutput, random);
    }

    /// <summary>Every parameter gradient of the layer, named "{prefix}[k] {tensor}".</summary>
    public static IEnumerable<(string Name, double[] Values)> Gradients<TCell>(RecurrentLayer<TCell, double> layer, string prefix = "")
        where TCell : IRecurrentCell
    {
        for (var k = 0; k < layer.AllGradients.Count; k++)
            foreach (var tensor in layer.AllGradients[k].Tensors())
                yield return ($"{prefix}[{k}] {tensor.Name}", tensor.Values.ToArray());
    }
}
