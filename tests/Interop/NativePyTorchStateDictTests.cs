using RnnGen.IO;

namespace RnnGen.Tests.Interop;

/// <summary>
/// Item 1 against PyTorch's own modules: a whole model's state dict (PyTorchStateDict.Save) loads with
/// <c>load_state_dict(strict=True)</c> into nn.Embedding → nn.LSTM / nn.GRU / nn.RNN (2 layers, bidirectional,
/// batch_first) → nn.Linear, which then gives RnnGen's outputs on packed variable-length sequences (1e-12, float64);
/// PyTorch's re-saved <c>state_dict()</c> loads back strictly into a model built with another seed, bit-identical.
/// </summary>
public class NativePyTorchStateDictTests
{
    private const int Batch = 3, Steps = 5;
    private static readonly int[] Lengths = [5, 2, 4];

    [Theory]
    [InlineData("LSTM")]
    [InlineData("GRU")]
    [InlineData("RNN")]
    public void PyTorchLoadsRunsAndResavesAWholeModel(string module)
    {
        Model<double> Build(int seed)
        {
            var builder = Model.Sequential<double>(seed).Embedding(20, 4);
            builder = module switch
            {
                "LSTM" => builder.Lstm(6, layers: 2, bidirectional: true),
                "GRU" => builder.Gru(6, layers: 2, bidirectional: true),
                _ => builder.SimpleRnn(6, layers: 2, bidirectional: true),
            };
            return builder.Dense(3).Build();
        }
        var model = Build(1);
        var tokens = Enumerable.Range(0, Batch * Steps).Select(i => i * 3 % 20).ToArray();
        var output = model.Forward(SequenceBatch<double>.FromTokens(tokens, Batch, Steps, Lengths)).Values.ToArray();

        using var exported = new ExportedModel<double>(model);   // for its safetensors reader and writer
        PyTorchStateDict.Save(model, exported.PathOf("state.safetensors"));
        var inputs = new SafeTensorsWriter();
        inputs.Add<double>("x", tokens.Select(t => (double)t).ToArray(), Batch, Steps);
        inputs.Add<double>("lengths", Lengths.Select(l => (double)l).ToArray(), Batch);
        inputs.Save(exported.PathOf("inputs.safetensors"));
        exported.Run(Script, module);

        using (var torch = SafeTensorsReader.Open(exported.PathOf("output.safetensors")))
            PyTorchModuleTests.AssertClose("output", output, torch.Read<double>("output", out _), 1e-12);
        var fresh = Build(2);
        PyTorchStateDict.Load(fresh, exported.PathOf("resaved.safetensors"));
        foreach (var (original, loaded) in model.Parameters().Zip(fresh.Parameters()))
            Assert.Equal(original.Values.ToArray().Select(BitConverter.DoubleToInt64Bits), loaded.Values.ToArray().Select(BitConverter.DoubleToInt64Bits));
    }

    private const string Script = """
        import sys

        import torch
        from torch import nn

        from model import read_safetensors, write_safetensors


        class Net(nn.Module):
            def __init__(self, recurrent):
                super().__init__()
                self.embedding = nn.Embedding(20, 4)
                self.rnn = recurrent(4, 6, num_layers=2, bidirectional=True, batch_first=True)
                self.fc = nn.Linear(12, 3)

            def forward(self, x, lengths):
                packed = nn.utils.rnn.pack_padded_sequence(self.embedding(x), lengths, batch_first=True, enforce_sorted=False)
                output, _ = self.rnn(packed)
                output, _ = nn.utils.rnn.pad_packed_sequence(output, batch_first=True, total_length=x.shape[1])
                return self.fc(output)


        net = Net({"LSTM": nn.LSTM, "GRU": nn.GRU, "RNN": nn.RNN}[sys.argv[1]]).double()
        state, _ = read_safetensors("state.safetensors")
        net.load_state_dict(state, strict=True)
        inputs, _ = read_safetensors("inputs.safetensors")
        with torch.no_grad():
            write_safetensors("output.safetensors", {"output": net(inputs["x"].long(), inputs["lengths"].long())})
        write_safetensors("resaved.safetensors", net.state_dict(), {"format": "pt"})
        """;
}
