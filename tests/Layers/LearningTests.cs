using RnnGen.Samples;

namespace RnnGen.Tests.Layers;

/// <summary>The main job learns: BPTT through generated kernels drives the adding problem's test MSE far below 0.167.</summary>
public class LearningTests
{
    [Fact]
    public void LstmLearnsTheAddingProblem() =>
        Assert.True(AddingProblem.Train<RnnGen.Lstm>(30, 32, 2000, 32, 0.01, 1, TextWriter.Null) < 0.01);

    [Fact]
    public void CustomMultiStageCellLearnsTheAddingProblem() =>
        Assert.True(AddingProblem.Train<MinimalGatedUnit>(30, 32, 2000, 32, 0.01, 1, TextWriter.Null) < 0.01);
}
