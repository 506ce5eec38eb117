using ProtSt.Model.Checkpoints;
using ProtSt.Model.Configuration;

namespace ProtSt.Model.Tests.Support;

/// <summary>
/// A direct, double-precision transcription of fair-esm's forward pass for one unpadded sequence, written with loops
/// and no ONNX, so the converter can be checked on any depth, width and head count. It is itself checked against the goldens.
/// </summary>
public sealed class ReferenceEsm(Checkpoint checkpoint, EsmConfig config, string prefix = "esm.")
{
    private readonly int _d = config.HiddenSize;

    public (double[][] Hidden, double[] Mean) Forward(long[] ids)
    {
        var t = ids.Length;
        var x = new double[t][];
        var word = W("embeddings.word_embeddings.weight");
        var masked = ids.Count(id => id == config.MaskTokenId);
        var scale = config.TokenDropout ? (1 - (0.15 * 0.8)) / (1 - ((double)masked / t)) : 1.0;
        for (var i = 0; i < t; i++)
        {
            x[i] = new double[_d];
            if (config.TokenDropout && ids[i] == config.MaskTokenId)
            {
                continue;
            }

            for (var j = 0; j < _d; j++)
            {
                x[i][j] = word[(ids[i] * _d) + j] * scale;
            }
        }

        if (config.PositionEmbedding == EsmPositionEmbedding.Absolute)
        {
            var positions = W("embeddings.position_embeddings.weight");
            for (var i = 0; i < t; i++)
            {
                var p = config.PadTokenId + 1 + i;
                for (var j = 0; j < _d; j++)
                {
                    x[i][j] += positions[(p * _d) + j];
                }
            }
        }

        if (config.EmbLayerNormBefore)
        {
            x = x.Select(r => LayerNorm(r, "embeddings.layer_norm")).ToArray();
        }

        for (var layer = 0; layer < config.NumLayers; layer++)
        {
            var p = $"encoder.layer.{layer}.";
            var a = x.Select(r => LayerNorm(r, p + "attention.LayerNorm")).ToArray();
            var attention = Attention(a, p);
            for (var i = 0; i < t; i++)
            {
                var o = Linear(attention[i], p + "attention.output.dense");
                for (var j = 0; j < _d; j++)
                {
                    x[i][j] += o[j];
                }

                var h = Linear(LayerNorm(x[i], p + "LayerNorm"), p + "intermediate.dense").Select(Gelu).ToArray();
                var down = Linear(h, p + "output.dense");
                for (var j = 0; j < _d; j++)
                {
                    x[i][j] += down[j];
                }
            }
        }

        x = x.Select(r => LayerNorm(r, "encoder.emb_layer_norm_after")).ToArray();
        var mean = new double[_d];
        for (var i = 1; i < t - 1; i++)
        {
            for (var j = 0; j < _d; j++)
            {
                mean[j] += x[i][j] / (t - 2);
            }
        }

        return (x, mean);
    }

    private double[][] Attention(double[][] a, string p)
    {
        var t = a.Length;
        var heads = config.NumHeads;
        var size = config.HeadSize;
        var q = a.Select(r => Linear(r, p + "attention.self.query").Select(v => v / Math.Sqrt(size)).ToArray()).ToArray();
        var k = a.Select(r => Linear(r, p + "attention.self.key")).ToArray();
        var v = a.Select(r => Linear(r, p + "attention.self.value")).ToArray();
        if (config.PositionEmbedding == EsmPositionEmbedding.Rotary)
        {
            var inverse = W(p + "attention.self.rotary_embeddings.inv_freq");
            for (var i = 0; i < t; i++)
            {
                q[i] = Rotate(q[i], i, inverse);
                k[i] = Rotate(k[i], i, inverse);
            }
        }

        var context = Enumerable.Range(0, t).Select(_ => new double[_d]).ToArray();
        for (var h = 0; h < heads; h++)
        {
            for (var i = 0; i < t; i++)
            {
                var scores = new double[t];
                for (var j = 0; j < t; j++)
                {
                    for (var c = 0; c < size; c++)
                    {
                        scores[j] += q[i][(h * size) + c] * k[j][(h * size) + c];
                    }
                }

                var max = scores.Max();
                var weights = scores.Select(s => Math.Exp(s - max)).ToArray();
                var total = weights.Sum();
                for (var j = 0; j < t; j++)
                {
                    for (var c = 0; c < size; c++)
                    {
                        context[i][(h * size) + c] += weights[j] / total * v[j][(h * size) + c];
                    }
                }
            }
        }

        return context;
    }

    private double[] Rotate(double[] x, int position, float[] inverse)
    {
        var size = config.HeadSize;
        var half = size / 2;
        var result = new double[x.Length];
        for (var h = 0; h < config.NumHeads; h++)
        {
            for (var j = 0; j < half; j++)
            {
                var angle = (double)(float)(position * inverse[j]);
                var (x1, x2) = (x[(h * size) + j], x[(h * size) + j + half]);
                result[(h * size) + j] = (x1 * Math.Cos(angle)) - (x2 * Math.Sin(angle));
                result[(h * size) + j + half] = (x2 * Math.Cos(angle)) + (x1 * Math.Sin(angle));
            }
        }

        return result;
    }

    private double[] Linear(double[] x, string name)
    {
        var weight = W(name + ".weight");
        var bias = W(name + ".bias");
        var result = new double[bias.Length];
        for (var o = 0; o < bias.Length; o++)
        {
            var sum = (double)bias[o];
            for (var i = 0; i < x.Length; i++)
            {
                sum += weight[(o * x.Length) + i] * x[i];
            }

            result[o] = sum;
        }

        return result;
    }

    private double[] LayerNorm(double[] x, string name)
    {
        var gamma = W(name + ".weight");
        var beta = W(name + ".bias");
        var mean = x.Average();
        var variance = x.Select(v => (v - mean) * (v - mean)).Average();
        var inv = 1 / Math.Sqrt(variance + config.LayerNormEps);
        return x.Select((v, i) => ((v - mean) * inv * gamma[i]) + beta[i]).ToArray();
    }

    private static double Gelu(double x) => 0.5 * x * (1 + Erf(x / Math.Sqrt(2)));

    // W. J. Cody's rational approximation is overkill here; this series/continued-fraction pair is accurate to ~1e-15.
    private static double Erf(double x)
    {
        var ax = Math.Abs(x);
        double result;
        if (ax < 2.5)
        {
            double sum = ax, term = ax;
            for (var n = 1; n < 60; n++)
            {
                term *= -ax * ax / n;
                sum += term / ((2 * n) + 1);
            }

            result = 2 / Math.Sqrt(Math.PI) * sum;
        }
        else
        {
            double fraction = 0;
            for (var n = 60; n >= 1; n--)
            {
                fraction = n / 2.0 / (ax + fraction);
            }

            result = 1 - (Math.Exp(-ax * ax) / Math.Sqrt(Math.PI) / (ax + fraction));
        }

        return x < 0 ? -result : result;
    }

    private readonly Dictionary<string, float[]> _cache = [];

    private float[] W(string name)
    {
        if (!_cache.TryGetValue(name, out var values))
        {
            values = checkpoint.Get(prefix + name).ReadFloat32();
            _cache[name] = values;
        }

        return values;
    }
}
