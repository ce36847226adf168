using System.Text;
using RnnGen.Data;
using RnnGen.IO;
using RnnGen.Tests.Cells;
using RnnGen.Training;

namespace RnnGen.Tests.IO
{
    /// <summary>A cell of these tests alone, so registering it cannot disturb other tests.</summary>
    [RecurrentCell("""
        h' = tanh(W x + U h + b)
        """)]
    public partial struct CheckpointTinyCell;

    /// <summary>Never registered: loading a model of it must say how to register it.</summary>
    [RecurrentCell("""
        h' = tanh(W x + U h + b)
        """)]
    public partial struct CheckpointUnregisteredCell;

    public sealed class ModelCheckpointTests : IDisposable
    {
        private readonly string _folder = Directory.CreateTempSubdirectory("rnngen-ckpt-").FullName;

        public void Dispose() => Directory.Delete(_folder, recursive: true);

        private string PathOf(string name) => Path.Combine(_folder, name + ".safetensors");

        private static Model<float> TokenModel(int seed = 3, int hidden = 8) =>
            Model.Sequential<float>(seed).Embedding(12, 6).Lstm(hidden, layers: 2, dropout: 0.3, returnSequences: false).Dropout(0.25).Dense(3).Build();

        private static float[] Weights<T>(Model<T> model) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T> =>
            model.Parameters().SelectMany(p => p.Values.ToArray()).Select(float.CreateTruncating).ToArray();

        [Fact]
        public void AModelIsRebuiltFromTheFileAlone()
        {
            var model = TokenModel();
            var vocabulary = new Vocabulary(["a", "b", "c"]);
            ModelCheckpoint.Save(PathOf("m"), model, new CheckpointContents<float>
            {
                Vocabulary = vocabulary,
                Metadata = new Dictionary<string, string> { ["cli.options"] = "--epochs 3" },
            });
            var loaded = ModelCheckpoint.Load<float>(PathOf("m"));
            Assert.Equal(model.Config.Layers, loaded.Model.Config.Layers);
            Assert.Equal(Weights(model), Weights(loaded.Model));
            Assert.Equal(vocabulary.Tokens, loaded.Vocabulary!.Tokens);
            Assert.Equal("--epochs 3", loaded.Metadata["cli.options"]);
            Assert.Equal("--epochs 3", ModelCheckpoint.ReadMetadata(PathOf("m"))["cli.options"]);   // without building the model
            Assert.Null(loaded.Position);
            Assert.False(loaded.HasOptimizerState);
            var tokens = System.Numerics.Tensors.Tensor.Create(new[] { 4, 5, 6, 7, 1, 2 }, [2, 3]);
            Assert.Equal(model.Predict(tokens).ToArray(), loaded.Model.Predict(tokens).ToArray());
            Assert.Equal(Weights(model), Weights(Model<float>.Load(PathOf("m"))));
        }

        [Fact]
        public void TheFileIsAPyTorchStateDictWithRealShapesAndAConfig()
        {
            var model = TokenModel();
            model.Save(PathOf("m"));
            using var reader = SafeTensorsReader.Open(PathOf("m"));
            Assert.Equal([12, 6], reader["embedding.weight"].Shape);
            Assert.Equal([32, 6], reader["rnn.weight_ih_l0"].Shape);
            Assert.Equal([32, 8], reader["rnn.weight_hh_l1"].Shape);
            Assert.Equal([32], reader["rnn.bias_hh_l1"].Shape);
            Assert.Equal([3, 8], reader["fc.weight"].Shape);
            var config = reader.Metadata[ModelCheckpoint.ConfigKey];
            Assert.Contains("\"kind\":\"recurrent\"", config);
            Assert.Contains($"\"equationsHash\":\"{RnnGen.Lstm.Info.EquationsHash}\"", config);
            Assert.Contains("\"elementType\":\"F32\"", config);
            var plain = TokenModel(seed: 9);
            PyTorchStateDict.Load(plain, PathOf("m"));
            Assert.Equal(Weights(model), Weights(plain));
        }

        [Fact]
        public void ACustomCellKeepsItsOwnNamesAndLoadsOnceRegistered()
        {
            RecurrentCells.Register<CheckpointTinyCell>();
            var model = Model.Sequential<float>(seed: 1).Input(3).Recurrent<CheckpointTinyCell>(5).Dense(2).Build();
            model.Save(PathOf("m"));
            using (var reader = SafeTensorsReader.Open(PathOf("m")))
                Assert.Equal([5, 3], reader["rnn.l0.W"].Shape);
            Assert.Equal(Weights(model), Weights(Model<float>.Load(PathOf("m"))));
        }

        [Fact]
        public void AnUnregisteredCellSaysHowToRegisterIt()
        {
            Model.Sequential<float>(seed: 1).Input(3).Recurrent<CheckpointUnregisteredCell>(5).Build().Save(PathOf("m"));
            var error = Assert.Throws<InvalidDataException>(() => Model<float>.Load(PathOf("m")));
            Assert.Contains("RecurrentCells.Register<CheckpointUnregisteredCell>()", error.Message);
        }

        [Fact]
        public void ARegisteredCellWithOtherEquationsIsNamedWithBothHashes()
        {
            RecurrentCells.Register<CheckpointTinyCell>();
            Model.Sequential<float>(seed: 1).Input(3).Recurrent<Other.CheckpointTinyCell>(5).Build().Save(PathOf("m"));
            var error = Assert.Throws<InvalidDataException>(() => Model<float>.Load(PathOf("m")));
            Assert.Contains("the file's cell 'CheckpointTinyCell' (layer 'rnn') has other equations than the registered one", error.Message);
            Assert.Contains(Other.CheckpointTinyCell.Info.EquationsHash, error.Message);
            Assert.Contains(CheckpointTinyCell.Info.EquationsHash, error.Message);
        }

        [Fact]
        public void AFileOfAnotherCellOrShapeNamesTheDifferenceAndLoadsNothing()
        {
            TokenModel().Save(PathOf("m"));
            var gru = Model.Sequential<float>(seed: 3).Embedding(12, 6).Gru(8, layers: 2, dropout: 0.3, returnSequences: false).Dropout(0.25).Dense(3).Build();
            var cell = Assert.Throws<InvalidDataException>(() => ModelCheckpoint.Load(PathOf("m"), gru));
            Assert.Contains("layer 'rnn' has the cell 'Lstm' in the file but 'Gru' in the model", cell.Message);

            var wider = TokenModel(seed: 4, hidden: 10);
            var before = Weights(wider);
            var shape = Assert.Throws<InvalidDataException>(() => ModelCheckpoint.Load(PathOf("m"), wider));
            Assert.Contains("'rnn.weight_ih_l0' has shape [32, 6]", shape.Message);
            Assert.Contains("[40, 6]", shape.Message);
            Assert.Equal(before, Weights(wider));
        }

        [Fact]
        public void AnElementTypeIsConvertedOnlyWhenAsked()
        {
            var model = TokenModel();
            model.Save(PathOf("m"));
            var error = Assert.Throws<InvalidDataException>(() => ModelCheckpoint.Load<double>(PathOf("m")));
            Assert.Contains("holds F32 weights, but they were loaded as Double; pass convertElementType: true", error.Message);
            var widened = ModelCheckpoint.Load<double>(PathOf("m"), convertElementType: true).Model;
            Assert.Equal(Weights(model), Weights(widened));
            ModelCheckpoint.Save(PathOf("d"), widened);
            Assert.Equal(Weights(model), Weights(ModelCheckpoint.Load<float>(PathOf("d"), convertElementType: true).Model));
        }

        [Fact]
        public void APlainPyTorchFileSaysWhereItsWeightsGo()
        {
            PyTorchStateDict.Save(TokenModel(), PathOf("pt"));
            var error = Assert.Throws<InvalidDataException>(() => Model<float>.Load(PathOf("pt")));
            Assert.Contains("has no RnnGen model config (metadata 'rnngen.config'); load its weights into a model you build with PyTorchStateDict.Load", error.Message);
        }

        [Theory]
        [InlineData("{not json", "metadata 'rnngen.config' is not valid")]
        [InlineData("""{"version":1,"elementType":"F32","model":{"layers":[{"name":"x","config":{"kind":"conv"}}]},"cells":[]}""", "metadata 'rnngen.config' is not valid")]
        [InlineData("""{"version":1}""", "lacks its model, a layer's name or config, its cells or its element type")]
        [InlineData("""{"version":1,"elementType":"F32","model":{"layers":[{"name":"rnn","config":{"kind":"recurrent","cell":"Gru","inputSize":2,"hiddenSize":3,"options":{}}}]},"cells":[]}""", "lists other cells than its recurrent layers use")]
        [InlineData("""{"version":1,"elementType":"F32","model":{"layers":[{"name":"fc","config":{"kind":"dense","inputSize":-2,"outputSize":1}}]},"cells":[]}""", "describes no valid model")]
        [InlineData("""{"version":7,"model":{}}""", "format version 7; this RnnGen reads version 1 (the file is newer: update RnnGen)")]
        public void ABadConfigIsOneClearError(string config, string expected)
        {
            var writer = new SafeTensorsWriter();
            writer.AddMetadata(ModelCheckpoint.ConfigKey, config);
            writer.AddMetadata(CheckpointLayout.MetadataChecksumKey, CheckpointLayout.MetadataChecksum([new(ModelCheckpoint.ConfigKey, config)]));
            writer.Add<float>("fc.weight", [1f, 2f], 1, 2);
            writer.Save(PathOf("bad"));
            var error = Assert.Throws<InvalidDataException>(() => Model<float>.Load(PathOf("bad")));
            Assert.Contains(expected, error.Message);
        }

        [Fact]
        public void AFlippedBitInTheMetadataFailsTheLoad()
        {
            TokenModel().Save(PathOf("m"));
            var bytes = File.ReadAllBytes(PathOf("m"));
            var rate = Encoding.UTF8.GetBytes("rate\\\":0.25");   // escaped inside the header's JSON
            var at = bytes.AsSpan().IndexOf(rate) + rate.Length - 1;
            Assert.True(at > rate.Length);
            bytes[at] ^= 0x01;   // 0.25 → 0.24: valid JSON, another model
            File.WriteAllBytes(PathOf("m"), bytes);
            var error = Assert.Throws<InvalidDataException>(() => Model<float>.Load(PathOf("m")));
            Assert.Contains("its metadata fails its checksum", error.Message);
            error = Assert.Throws<InvalidDataException>(() => ModelCheckpoint.ReadMetadata(PathOf("m")));
            Assert.Contains("its metadata fails its checksum", error.Message);
        }

        [Fact]
        public void TheOptimizerStateIsRestoredAllOrNothing()
        {
            var model = TokenModel();
            var adam = new Adam<float>(new ParameterSet<float>().AddAll(model.Parameters()), 0.01);
            model.Fit(Data(), new SoftmaxCrossEntropyLoss<float>(), adam, new FitOptions<float> { BatchSize = 8 });
            ModelCheckpoint.Save(PathOf("m"), model, new CheckpointContents<float> { Optimizer = adam, Position = new TrainingPosition(1, 0, adam.StepCount) });
            var loaded = ModelCheckpoint.Load<float>(PathOf("m"));
            Assert.True(loaded.HasOptimizerState);
            Assert.Equal(new TrainingPosition(1, 0, 5), loaded.Position);

            var sgd = new Sgd<float>(new ParameterSet<float>().AddAll(loaded.Model.Parameters()), 0.01);
            var type = Assert.Throws<ArgumentException>(() => loaded.RestoreOptimizer(sgd));
            Assert.Contains("it is the state of a Adam optimizer, but this one is a Sgd", type.Message);
            Assert.Equal(0, sgd.StepCount);
            var stranger = new Adam<float>(new ParameterSet<float>().AddAll(TokenModel().Parameters()), 0.01);
            Assert.Throws<ArgumentException>(() => loaded.RestoreOptimizer(stranger));

            var resumed = new Adam<float>(new ParameterSet<float>().AddAll(loaded.Model.Parameters()), 0.01);
            loaded.RestoreOptimizer(resumed);
            Assert.Equal(adam.StepCount, resumed.StepCount);
            loaded.Model.Save(PathOf("weights only"));
            Assert.Throws<InvalidOperationException>(() => ModelCheckpoint.Load<float>(PathOf("weights only")).RestoreOptimizer(resumed));
        }

        [Fact]
        public void APositionThatIsNotTheOptimizersStepIsRefused()
        {
            var model = TokenModel();
            var adam = new Adam<float>(new ParameterSet<float>().AddAll(model.Parameters()), 0.01);
            var error = Assert.Throws<ArgumentException>(() => ModelCheckpoint.Save(PathOf("m"), model,
                new CheckpointContents<float> { Optimizer = adam, Position = new TrainingPosition(0, 3, 3) }));
            Assert.Contains("step 3", error.Message);
            Assert.False(File.Exists(PathOf("m")));
        }

        internal static TokenSequenceDataset<float> Data()
        {
            var random = new Random(11);
            var sequences = Enumerable.Range(0, 37).Select(_ => Enumerable.Range(0, random.Next(2, 7)).Select(_ => random.Next(4, 12)).ToArray()).ToArray();
            var labels = sequences.Select(s => s.Sum() % 3).ToArray();
            return TokenSequenceDataset<float>.Classified(sequences, labels, seed: 5);
        }
    }
}

namespace RnnGen.Tests.IO.Other
{
    /// <summary>The same name as <see cref="RnnGen.Tests.IO.CheckpointTinyCell"/>, other equations.</summary>
    [RecurrentCell("""
        h' = relu(W x + U h + b)
        """)]
    public partial struct CheckpointTinyCell;
}
