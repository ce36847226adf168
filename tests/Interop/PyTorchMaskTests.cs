using System.Text.Json;
using RnnGen.Interop;
using RnnGen.Tests.Cells;
using RnnGen.Tests.Support;

namespace RnnGen.Tests.Interop;

/// <summary>An exported cell's random masks in PyTorch: in train() drawn as RnnGen draws them (dropout 0 or 1/(1 − p)
/// fresh each step, dropout_seq held for the sequence, zoneout keeping with probability p, dropconnect on the weights
/// held for the run), in eval() their expectation. Probe cells make each mask visible in the output; rates are 0.25
/// and the fractions are counted over thousands of draws (PyTorch's generator, seeded).</summary>
public sealed class PyTorchMaskTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("rnngen-masks-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void TrainDrawsEachMaskAsRnnGenDoesAndEvalUsesItsExpectation()
    {
        foreach (var (file, cell) in new[] { ("dropout", DropoutProbe.Info), ("sequence", SequenceProbe.Info), ("zoneout", ZoneoutProbe.Info), ("connect", DropConnectProbe.Info) })
            File.WriteAllText(Path.Combine(_folder, file + ".py"), PyTorchModuleWriter.Write(cell));
        Assert.Contains("F.linear(h, self._connect(\"U\", 0.25))", File.ReadAllText(Path.Combine(_folder, "connect.py")));
        File.WriteAllText(Path.Combine(_folder, "run.py"), Script);

        var result = JsonSerializer.Deserialize<Dictionary<string, double>>(DebianPython.Run(_folder, "run.py"))!;

        Assert.InRange(result["dropout_zeros"], 0.22, 0.28);             // 6144 draws: σ = 0.0055
        Assert.Equal(1, result["dropout_values_ok"]);                     // every kept unit is 1/(1 − p)
        Assert.Equal(1, result["dropout_fresh_each_step"]);
        Assert.InRange(result["sequence_zeros"], 0.17, 0.33);            // 512 draws, one per sequence and unit: σ = 0.019
        Assert.Equal(1, result["sequence_held"]);
        Assert.InRange(result["zoneout_kept"], 0.22, 0.28);
        Assert.InRange(result["connect_zeros"], 0.19, 0.31);             // 1024 weights: σ = 0.0135
        Assert.Equal(1, result["connect_held"]);
        Assert.Equal(1, result["connect_scaled"]);
        Assert.Equal(1, result["eval_dropout_is_identity"]);
        Assert.Equal(1, result["eval_zoneout_is_expectation"]);
    }

    private const string Script = """
        import json

        import torch

        from connect import DropConnectProbeLayer
        from dropout import DropoutProbeLayer
        from sequence import SequenceProbeLayer
        from zoneout import ZoneoutProbeLayer

        torch.manual_seed(0)
        B, T, H, p = 16, 12, 32, 0.25
        x = torch.zeros(B, T, 1)


        def build(cls):
            layer = cls(1, H, batch_first=True)
            with torch.no_grad():
                for name, parameter in layer.named_parameters():
                    if name.endswith(".one"):
                        parameter.fill_(1)
            return layer


        def flag(value):
            return 1.0 if bool(value) else 0.0


        result = {}
        with torch.no_grad():
            y = build(DropoutProbeLayer).train()(x)[0]
            result["dropout_zeros"] = (y == 0).double().mean().item()
            result["dropout_values_ok"] = flag(torch.allclose(y[y != 0], torch.full_like(y[y != 0], 1 / (1 - p))))
            result["dropout_fresh_each_step"] = flag((y[:, 0] != y[:, 1]).any())

            y = build(SequenceProbeLayer).train()(x)[0]
            result["sequence_zeros"] = (y[:, 0] == 0).double().mean().item()
            result["sequence_held"] = flag((y == y[:, :1]).all())

            # h' = zoneout(h, 1 - h, p) from h = 0: a unit keeps h (mask 1) or flips to 1 - h (mask 0).
            zoneout = build(ZoneoutProbeLayer)
            y = zoneout.train()(x)[0]
            previous = torch.cat((torch.zeros(B, 1, H), y[:, :-1]), 1)
            result["zoneout_kept"] = (1 - (y - previous).abs()).mean().item()
            expected, h = [], torch.zeros(B, H)
            for _ in range(T):
                h = (1 - h) + p * (h - (1 - h))
                expected.append(h)
            result["eval_zoneout_is_expectation"] = flag(torch.allclose(zoneout.eval()(x)[0], torch.stack(expected, 1)))

            cell = build(DropConnectProbeLayer).train().l0
            cell.reset_masks()
            dropped = cell._connect("U", p)
            result["connect_zeros"] = (dropped == 0).double().mean().item()
            result["connect_held"] = flag(torch.equal(dropped, cell._connect("U", p)))
            kept = dropped != 0
            result["connect_scaled"] = flag(torch.allclose(dropped[kept], cell.U[kept] / (1 - p)))

            result["eval_dropout_is_identity"] = flag((build(DropoutProbeLayer).eval()(x)[0] == 1).all())
        print(json.dumps(result))
        """;
}
