using System.Globalization;
using RnnGen.IO;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.utils.rnn;

namespace RnnGen.Fixtures;

/// <summary>PyTorch's mode names (nn.RNNBase.mode).</summary>
internal enum Mode { LSTM, GRU, RNN_TANH, RNN_RELU }

/// <summary>One fixture file. <see cref="RnnGenSeed"/> set: an export case, whose weights come from RnnGen.</summary>
internal sealed record Case(Mode Mode, int Layers, bool Bidirectional, bool BatchFirst, bool VariableLengths, long TorchSeed, int? RnnGenSeed = null)
{
    public string FileName => RnnGenSeed is null
        ? $"{Mode.ToString().ToLowerInvariant()}-l{Layers}-{(Bidirectional ? "bi" : "uni")}-{(BatchFirst ? "batch-first" : "time-major")}-{(VariableLengths ? "var" : "eq")}.safetensors"
        : $"export-{Mode.ToString().ToLowerInvariant()}-l{Layers}-{(Bidirectional ? "bi" : "uni")}.safetensors";

    public int Directions => Bidirectional ? 2 : 1;
}

/// <summary>
/// Writes the golden PyTorch fixtures that tests/IO/PyTorchParityTests.cs reads (see README.md): for each case, one
/// safetensors file with the module's state dict (PyTorch names), the inputs, the outputs, h_n (c_n) and the gradients
/// of L = Σ output ⊙ w_out + Σ h_n ⊙ w_h (+ Σ c_n ⊙ w_c) with respect to every parameter, the input, h0 and c0.
/// Usage: RnnGen.Fixtures [output folder] (default: tests/Fixtures/pytorch of the repository).
/// </summary>
internal static class Program
{
    public const int InputSize = 3, Hidden = 4, Batch = 3, Steps = 5;

    /// <summary>The lengths of the variable-length cases: unsorted, so packing must sort and unsort.</summary>
    public static readonly long[] VariableLengths = [5, 2, 4];

    public static int Main(string[] args)
    {
        var folder = args.Length > 0 ? Path.GetFullPath(args[0]) : DefaultFolder();
        try
        {
            torch.set_num_threads(1);
            torch.set_num_interop_threads(1);
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or NotSupportedException)
        {
            Console.Error.WriteLine($"TorchSharp unavailable: {e.GetBaseException().Message}");
            Console.Error.WriteLine("On Debian 12, run `bash bench/setup-libtorch.sh` and rebuild this project (tools/RnnGen.Fixtures/README.md).");
            return 2;
        }

        Directory.CreateDirectory(folder);
        foreach (var old in Directory.GetFiles(folder, "*.safetensors")) File.Delete(old);
        var cases = Cases().ToList();
        foreach (var c in cases)
        {
            var path = Path.Combine(folder, c.FileName);
            Write(c, path);
            Console.WriteLine($"{c.FileName} ({new FileInfo(path).Length} bytes)");
        }
        Console.WriteLine($"{cases.Count} fixtures in {folder}");
        return 0;
    }

    /// <summary>4 modes × {1, 2} layers × {uni, bi} × {batch-first, time-major} × {equal, variable lengths}, then one
    /// export case per mode (2 layers, bidirectional). Each file has its own torch seed.</summary>
    public static IEnumerable<Case> Cases()
    {
        var seed = 1000L;
        foreach (var mode in Enum.GetValues<Mode>())
            foreach (var layers in new[] { 1, 2 })
                foreach (var bidirectional in new[] { false, true })
                    foreach (var batchFirst in new[] { true, false })
                        foreach (var variable in new[] { false, true })
                            yield return new Case(mode, layers, bidirectional, batchFirst, variable, seed++);
        var rnnGenSeed = 1;
        foreach (var mode in Enum.GetValues<Mode>())
            yield return new Case(mode, 2, true, BatchFirst: false, VariableLengths: false, seed++, rnnGenSeed++);
    }

    private static void Write(Case c, string path)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(c.TorchSeed);
        using var module = Create(c);
        var writer = new SafeTensorsWriter();
        writer.AddMetadata("format", "pt");
        writer.AddMetadata("kind", c.RnnGenSeed is null ? "parity" : "export");
        writer.AddMetadata("mode", c.Mode.ToString());
        writer.AddMetadata("num_layers", Text(c.Layers));
        writer.AddMetadata("bidirectional", Text(c.Bidirectional));
        writer.AddMetadata("batch_first", Text(c.BatchFirst));
        writer.AddMetadata("input_size", Text(InputSize));
        writer.AddMetadata("hidden_size", Text(Hidden));
        writer.AddMetadata("batch", Text(Batch));
        writer.AddMetadata("steps", Text(Steps));
        writer.AddMetadata("variable_lengths", Text(c.VariableLengths));
        writer.AddMetadata("torch_seed", Text(c.TorchSeed));
        if (c.RnnGenSeed is int rnnGenSeed) writer.AddMetadata("rnngen_seed", Text(rnnGenSeed));
        writer.AddMetadata("generator", $"tools/RnnGen.Fixtures, TorchSharp {typeof(torch).Assembly.GetName().Version}, 1 thread");

        if (c.RnnGenSeed is int seed) LoadRnnGenWeights(c, module, seed);
        var parameters = module.named_parameters().ToList();
        foreach (var (name, parameter) in parameters) Add(writer, name, parameter);

        var inputShape = c.BatchFirst ? new long[] { Batch, Steps, InputSize } : [Steps, Batch, InputSize];
        var statesShape = new long[] { c.Layers * c.Directions, Batch, Hidden };
        var input = torch.randn(inputShape).requires_grad_(true);
        var h0 = torch.randn(statesShape).requires_grad_(true);
        var c0 = c.Mode == Mode.LSTM ? torch.randn(statesShape).requires_grad_(true) : null;
        var lengths = c.VariableLengths ? torch.tensor(VariableLengths, ScalarType.Int64) : null;

        var (output, hN, cN) = Run(c, module, input, lengths, h0, c0);
        var wOut = torch.randn(output.shape);
        var wH = torch.randn(hN.shape);
        var wC = cN is null ? null : torch.randn(cN.shape);
        var loss = (output * wOut).sum() + (hN * wH).sum();
        if (cN is not null) loss += (cN * wC!).sum();
        loss.backward();
        CheckPackedSemantics(c, output, hN, c.VariableLengths ? VariableLengths : [.. Enumerable.Repeat((long)Steps, Batch)]);

        Add(writer, "input", input);
        if (lengths is not null) writer.Add<long>("lengths", lengths.data<long>().ToArray(), Batch);
        Add(writer, "h0", h0);
        if (c0 is not null) Add(writer, "c0", c0);
        Add(writer, "w_out", wOut);
        Add(writer, "w_h", wH);
        if (wC is not null) Add(writer, "w_c", wC);
        Add(writer, "output", output);
        Add(writer, "h_n", hN);
        if (cN is not null) Add(writer, "c_n", cN);
        foreach (var (name, parameter) in parameters) Add(writer, $"grad.{name}", Grad(parameter, name));
        Add(writer, "grad.input", Grad(input, "input"));
        Add(writer, "grad.h0", Grad(h0, "h0"));
        if (c0 is not null) Add(writer, "grad.c0", Grad(c0, "c0"));
        writer.Save(path);
    }

    private static nn.Module Create(Case c) => c.Mode switch
    {
        Mode.LSTM => nn.LSTM(InputSize, Hidden, c.Layers, batchFirst: c.BatchFirst, bidirectional: c.Bidirectional),
        Mode.GRU => nn.GRU(InputSize, Hidden, c.Layers, batchFirst: c.BatchFirst, bidirectional: c.Bidirectional),
        Mode.RNN_TANH => nn.RNN(InputSize, Hidden, c.Layers, nn.NonLinearities.Tanh, batchFirst: c.BatchFirst, bidirectional: c.Bidirectional),
        _ => nn.RNN(InputSize, Hidden, c.Layers, nn.NonLinearities.ReLU, batchFirst: c.BatchFirst, bidirectional: c.Bidirectional),
    };

    /// <summary>Plain forward for equal lengths; pack_padded_sequence(enforce_sorted: false) → module →
    /// pad_packed_sequence(total_length: T) for variable lengths. h0/c0 are in the caller's batch order either way.</summary>
    private static (Tensor Output, Tensor HN, Tensor? CN) Run(Case c, nn.Module module, Tensor input, Tensor? lengths, Tensor h0, Tensor? c0)
    {
        if (lengths is null)
            return module switch
            {
                LSTM lstm => lstm.call(input, (h0, c0!)),
                GRU gru => Pair(gru.call(input, h0)),
                RNN rnn => Pair(rnn.call(input, h0)),
                _ => throw new InvalidOperationException(module.GetType().Name),
            };
        var packed = pack_padded_sequence(input, lengths, c.BatchFirst, false);
        PackedSequence packedOutput;
        Tensor hN;
        Tensor? cN = null;
        switch (module)
        {
            case LSTM lstm: (packedOutput, hN, cN) = lstm.call(packed, (h0, c0!)); break;
            case GRU gru: (packedOutput, hN) = gru.call(packed, h0); break;
            case RNN rnn: (packedOutput, hN) = rnn.call(packed, h0); break;
            default: throw new InvalidOperationException(module.GetType().Name);
        }
        var (output, _) = pad_packed_sequence(packedOutput, c.BatchFirst, 0.0, Steps);
        return (output, hN, cN);

        static (Tensor, Tensor, Tensor?) Pair((Tensor Output, Tensor HN) r) => (r.Output, r.HN, null);
    }

    /// <summary>
    /// Guards the fixtures against a TorchSharp binding that would mishandle packed sequences (e.g. not restore the
    /// batch order of h_n): in the last layer, h_n of the forward direction must be the output at each sequence's own
    /// last step, h_n of the reverse direction the output at step 0, and outputs past a sequence's end must be zero.
    /// </summary>
    private static void CheckPackedSemantics(Case c, Tensor output, Tensor hN, long[] lengths)
    {
        using var noGrad = no_grad();
        var byBatch = c.BatchFirst ? output : output.transpose(0, 1);   // [B, T, D·H]
        var last = (c.Layers - 1) * c.Directions;
        for (var b = 0; b < Batch; b++)
        {
            var sequence = byBatch.select(0, b);
            var length = lengths[b];
            if (!Same(hN.select(0, last).select(0, b), sequence.select(0, length - 1).narrow(0, 0, Hidden)))
                throw new InvalidOperationException($"{c.FileName}: forward h_n of sequence {b} is not its output at step {length - 1}.");
            if (c.Bidirectional && !Same(hN.select(0, last + 1).select(0, b), sequence.select(0, 0).narrow(0, Hidden, Hidden)))
                throw new InvalidOperationException($"{c.FileName}: reverse h_n of sequence {b} is not its output at step 0.");
            if (length < Steps && sequence.narrow(0, length, Steps - length).abs().max().item<float>() != 0)
                throw new InvalidOperationException($"{c.FileName}: output of sequence {b} is not zero past its length {length}.");
        }
    }

    /// <summary>Builds the RnnGen layer with <paramref name="seed"/>, exports it with PyTorchStateDict.Export and loads
    /// those tensors into the TorchSharp module's parameters (same names, same shapes, nothing left over).</summary>
    private static void LoadRnnGenWeights(Case c, nn.Module module, int seed)
    {
        var options = new RecurrentOptions { NumLayers = c.Layers, Bidirectional = c.Bidirectional, BatchFirst = c.BatchFirst, Seed = seed };
        var writer = new SafeTensorsWriter();
        switch (c.Mode)
        {
            case Mode.LSTM: PyTorchStateDict.Export(new RecurrentLayer<Lstm, float>(InputSize, Hidden, Batch, Steps, options), writer); break;
            case Mode.GRU: PyTorchStateDict.Export(new RecurrentLayer<Gru, float>(InputSize, Hidden, Batch, Steps, options), writer); break;
            case Mode.RNN_TANH: PyTorchStateDict.Export(new RecurrentLayer<SimpleRnnTanh, float>(InputSize, Hidden, Batch, Steps, options), writer); break;
            default: PyTorchStateDict.Export(new RecurrentLayer<SimpleRnnRelu, float>(InputSize, Hidden, Batch, Steps, options), writer); break;
        }
        using var reader = SafeTensorsReader.FromBytes(writer.ToBytes(), "RnnGen export");
        var parameters = module.named_parameters().ToList();
        var extra = reader.Tensors.Select(t => t.Name).Except(parameters.Select(p => p.name)).ToList();
        if (extra.Count > 0)
            throw new InvalidOperationException($"RnnGen exported tensors TorchSharp's {c.Mode} does not have: {string.Join(", ", extra)}.");
        using var noGrad = no_grad();
        foreach (var (name, parameter) in parameters)
        {
            var values = reader.Read<float>(name, out var shape);
            if (!shape.Select(d => (long)d).SequenceEqual(parameter.shape))
                throw new InvalidOperationException($"{name}: RnnGen exported [{string.Join(", ", shape)}], TorchSharp has [{string.Join(", ", parameter.shape)}].");
            parameter.copy_(torch.tensor(values, parameter.shape));
        }
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    private static Tensor Grad(Tensor t, string name) => t.grad ?? throw new InvalidOperationException($"{name} has no gradient.");

    private static void Add(SafeTensorsWriter writer, string name, Tensor t)
    {
        var values = t.detach().contiguous().data<float>().ToArray();
        writer.Add<float>(name, values, t.shape.Select(d => checked((int)d)).ToArray());
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Text(bool value) => value ? "true" : "false";

    /// <summary>tests/Fixtures/pytorch of the repository this program was built in (found by walking up to RnnGen.sln).</summary>
    private static string DefaultFolder()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "RnnGen.sln")))
                    return Path.Combine(dir.FullName, "tests", "Fixtures", "pytorch");
        throw new DirectoryNotFoundException("RnnGen.sln not found above the current folder or the program; pass the output folder.");
    }
}
