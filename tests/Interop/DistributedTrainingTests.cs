using System.Net;
using System.Net.Sockets;
using System.Numerics;
using RnnGen.IO;
using RnnGen.Samples;

namespace RnnGen.Tests.Interop;

/// <summary>
/// The scale-out path of docs/pytorch-interop.md: a model with a custom cell (the peephole LSTM, two stacked
/// bidirectional layers) is exported, trained 5 steps by torch.distributed — DistributedDataParallel, gloo, 2 processes
/// from torch.multiprocessing.spawn, each on half the batch — and the trained weights come back into a fresh RnnGen
/// model, which then gives the PyTorch model's outputs (1e-5 in float32, 1e-12 in float64).
/// </summary>
public class DistributedTrainingTests
{
    private const int Count = 8, Steps = 5, InputSize = 3, Hidden = 6, Outputs = 2;
    private static readonly int[] Lengths = [5, 3, 4, 5, 2, 5, 1, 4];

    [Fact]
    public void Float32() => RoundTrip(Build<float>(seed: 1), Build<float>(seed: 2), 1e-5);

    [Fact]
    public void Float64() => RoundTrip(Build<double>(seed: 1), Build<double>(seed: 2), 1e-12);

    private static Model<T> Build<T>(int seed) where T : unmanaged, IFloatingPointIeee754<T> =>
        Model.Sequential<T>(seed).Input(InputSize)
            .Recurrent<PeepholeLstm>(Hidden, new RecurrentOptions { NumLayers = 2, Bidirectional = true, Seed = seed })
            .Dense(Outputs).Build();

    private static void RoundTrip<T>(Model<T> model, Model<T> fresh, double tolerance) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(5);
        T[] Random(int length) => Enumerable.Range(0, length).Select(_ => T.CreateChecked(random.NextDouble() * 2 - 1)).ToArray();
        var x = Random(Count * Steps * InputSize);
        using var exported = new ExportedModel<T>(model);
        var data = new SafeTensorsWriter();
        data.Add<T>("x", x, Count, Steps, InputSize);
        data.Add<T>("y", Random(Count * Steps * Outputs), Count, Steps, Outputs);
        data.Add<T>("lengths", Lengths.Select(l => T.CreateChecked(l)).ToArray(), Count);
        data.Save(exported.PathOf("data.safetensors"));

        exported.Run(Script, FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture), exported.Dtype);

        PyTorchStateDict.Load(fresh, exported.PathOf("trained0.safetensors"));   // strict: every tensor, nothing else
        using (var rank1 = SafeTensorsReader.Open(exported.PathOf("trained1.safetensors")))
            foreach (var (name, values, _) in PyTorchStateDict.Tensors(fresh))
                Assert.Equal(values, rank1.Read<T>(name, out _));   // DDP kept the two processes' weights identical
        var moved = model.Parameters().Zip(fresh.Parameters()).Max(p => p.First.Values.ToArray().Zip(p.Second.Values.ToArray())
            .Max(v => Math.Abs(double.CreateChecked(v.First - v.Second))));
        Assert.True(moved > 1e-3, $"training moved no weight by more than {moved:E2}");

        var output = fresh.Forward(new SequenceBatch<T>(x, Count, Steps, InputSize, Lengths)).Values.ToArray();
        using var torch = SafeTensorsReader.Open(exported.PathOf("output.safetensors"));
        PyTorchModuleTests.AssertClose("output", output, torch.Read<T>("output", out _), tolerance);
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private const string Script = """
        import sys

        import torch
        import torch.distributed as dist
        import torch.multiprocessing as mp
        import torch.nn.functional as F
        from torch.nn.parallel import DistributedDataParallel

        from model import RnnGenModel, load_rnngen, read_safetensors, save_rnngen, write_safetensors


        def train(rank, port, dtype):
            dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=2)
            torch.set_num_threads(1)
            model = RnnGenModel().to(dtype)
            load_rnngen(model, "model.safetensors")
            data, _ = read_safetensors("data.safetensors")
            x, y, lengths = data["x"][rank::2], data["y"][rank::2], data["lengths"].long()[rank::2]
            ddp = DistributedDataParallel(model)
            optimizer = torch.optim.SGD(ddp.parameters(), lr=0.5)
            for _ in range(5):
                optimizer.zero_grad()
                F.mse_loss(ddp(x, lengths), y).backward()
                optimizer.step()
            save_rnngen(model, f"trained{rank}.safetensors")
            if rank == 0:
                with torch.no_grad():
                    write_safetensors("output.safetensors", {"output": model(data["x"], data["lengths"].long())})
            dist.destroy_process_group()


        if __name__ == "__main__":
            mp.spawn(train, args=(int(sys.argv[1]), torch.float64 if sys.argv[2] == "F64" else torch.float32), nprocs=2)
        """;
}
