using RnnGen.Bench.Runners;
using BenchmarkDotNet.Attributes;
using RnnGen.Data;
using RnnGen.Kernels;
using RnnGen.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace RnnGen.Bench;

/// <summary>
/// One training step of a char-level language model, end to end: Embedding(V, 64) → 2 × LSTM 256 → Dense(V) →
/// softmax cross-entropy → Adam, B = 32, T = 64, float32, one thread — RnnGen through the model API
/// (<c>trainer.TrainBatch</c>) against the same model in TorchSharp. Tokens per step: B·T = 2048.
/// </summary>
public class EndToEndBenchmarks
{
    public const int Vocabulary = 96, EmbeddingSize = 64, Hidden = 256, Layers = 2;
    public static int Batch => Grid.Quick ? 4 : 32;
    public static int Steps => Grid.Quick ? 8 : 64;

    [Params(Impl.Ours, Impl.Torch)]
    public Impl Impl { get; set; }

    private Action? _step;
    private IDisposable? _resources;

    [GlobalSetup]
    public void Setup()
    {
        Gemm.MaxThreads = 1;
        var tokens = RandomTokens();
        (_step, _resources) = Impl == Impl.Ours ? Ours(tokens) : Torch(tokens);
        Warmup.Run(_step);
    }

    [Benchmark]
    public void TrainStep() => _step!();

    [GlobalCleanup]
    public void Cleanup() => _resources?.Dispose();

    /// <summary>Batch sequences of Steps + 1 tokens: each predicts itself shifted by one.</summary>
    private static int[][] RandomTokens()
    {
        var random = new Random(7);
        return Enumerable.Range(0, Batch).Select(_ => Enumerable.Range(0, Steps + 1).Select(_ => random.Next(Vocabulary)).ToArray()).ToArray();
    }

    private static (Action, IDisposable?) Ours(int[][] tokens)
    {
        var model = Model.Sequential<float>(seed: 1).Embedding(Vocabulary, EmbeddingSize).Lstm(Hidden, layers: Layers).Dense(Vocabulary).Build();
        var trainer = new Trainer<float>(new Adam<float>(new ParameterSet<float>().AddAll(model.Parameters()), learningRate: 1e-3));
        var loss = new SoftmaxCrossEntropyLoss<float>();
        var data = TokenSequenceDataset<float>.NextToken(tokens);
        var batch = data.GetBatch(0, Batch);
        return (() => trainer.TrainBatch(model, batch, loss), null);
    }

    private static (Action, IDisposable?) Torch(int[][] tokens)
    {
        torch.set_num_threads(1);
        var model = new TorchCharModel();
        var optimizer = optim.Adam(model.parameters(), lr: 1e-3);
        var flat = tokens.SelectMany(t => t).Select(t => (long)t).ToArray();
        var all = tensor(flat, [Batch, Steps + 1]);
        var input = all[.., ..Steps].contiguous();
        var target = all[.., 1..].contiguous().reshape(-1);
        void Step()
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var logits = model.forward(input);
            nn.functional.cross_entropy(logits.reshape(-1, Vocabulary), target).backward();
            optimizer.step();
        }
        return (Step, model);
    }

    /// <summary>The same model in TorchSharp: nn.Embedding → nn.LSTM(num_layers = 2, batch_first) → nn.Linear.</summary>
    private sealed class TorchCharModel : nn.Module<Tensor, Tensor>
    {
        private readonly TorchSharp.Modules.Embedding _embedding = nn.Embedding(Vocabulary, EmbeddingSize);
        private readonly TorchSharp.Modules.LSTM _lstm = nn.LSTM(EmbeddingSize, Hidden, numLayers: Layers, batchFirst: true);
        private readonly TorchSharp.Modules.Linear _dense = nn.Linear(Hidden, Vocabulary);

        public TorchCharModel() : base(nameof(TorchCharModel)) => RegisterComponents();

        public override Tensor forward(Tensor input) => _dense.forward(_lstm.forward(_embedding.forward(input)).Item1);
    }
}
