using System.Numerics.Tensors;

namespace ProtSt.Training;

/// <summary>
/// The head's forward pass and its backward pass written out for this fixed shape (Linear → ReLU → Linear → mean
/// softmax cross-entropy), over batches of at most <see cref="Capacity"/> rows. The buffers are allocated once and reused
/// by every batch, so an epoch allocates nothing.
/// </summary>
internal sealed class HeadBackprop
{
    private readonly int _hidden;
    private readonly int _labels;
    private readonly float[] _activations;   // [rows, h]: ReLU(X·W1ᵀ + b1)
    private readonly float[] _logits;        // [rows, c]
    private readonly float[] _logitGrads;    // [rows, c]: ∂loss/∂logits
    private readonly float[] _hiddenGradsT;  // [h, rows]: ∂loss/∂Z1, transposed so dW1 is a product of two row-major operands
    private readonly float[] _featuresT;     // [h, rows]
    private readonly float[] _rowGrad;       // [h]: ∂loss/∂H for one row

    public HeadBackprop(int hidden, int labels, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _hidden = hidden;
        _labels = labels;
        Capacity = capacity;
        _activations = new float[(long)capacity * hidden];
        _logits = new float[(long)capacity * labels];
        _logitGrads = new float[(long)capacity * labels];
        _hiddenGradsT = new float[(long)hidden * capacity];
        _featuresT = new float[(long)hidden * capacity];
        _rowGrad = new float[hidden];
    }

    public int Capacity { get; }

    /// <summary>
    /// Softmax probabilities (row-major [rows, c]) and arg-max predictions for <paramref name="rows"/> feature rows starting at
    /// row <paramref name="firstRow"/> of <paramref name="features"/>.
    /// </summary>
    public void Predict(HeadParameters parameters, float[] features, int firstRow, int rows, Span<float> probabilities, Span<int> predictions)
    {
        Forward(parameters, features, firstRow * _hidden, rows);
        for (var r = 0; r < rows; r++)
        {
            var logits = _logits.AsSpan(r * _labels, _labels);
            predictions[r] = TensorPrimitives.IndexOfMax(logits);
            Softmax(logits, probabilities.Slice(r * _labels, _labels));
        }
    }

    /// <summary>
    /// Mean cross-entropy of the contiguous batch <paramref name="features"/> ([rows, h], rows = labels' length) and its
    /// gradient with respect to every parameter, written over <paramref name="gradients"/>.
    /// </summary>
    public BatchLoss LossAndGradients(HeadParameters parameters, float[] features, ReadOnlySpan<int> labels, HeadParameters gradients)
    {
        int rows = labels.Length, h = _hidden, c = _labels;
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rows, Capacity);
        Forward(parameters, features, 0, rows);

        // ∂(mean loss)/∂logits = (softmax − one-hot) / rows.
        double lossSum = 0;
        var correct = 0;
        for (var r = 0; r < rows; r++)
        {
            var logits = _logits.AsSpan(r * c, c);
            var grad = _logitGrads.AsSpan(r * c, c);
            var label = labels[r];
            if (TensorPrimitives.IndexOfMax(logits) == label)
            {
                correct++;
            }

            var logSumExp = Softmax(logits, grad);
            lossSum += logSumExp - logits[label];
            grad[label] -= 1;
            TensorPrimitives.Divide(grad, rows, grad);
        }

        // out_proj: dW2[k] = Σ_r g[r, k]·H[r], db2[k] = Σ_r g[r, k], summed in row order for a reproducible result.
        Array.Clear(gradients.OutProjWeight);
        Array.Clear(gradients.OutProjBias);
        for (var r = 0; r < rows; r++)
        {
            var activation = _activations.AsSpan(r * h, h);
            for (var k = 0; k < c; k++)
            {
                var g = _logitGrads[(r * c) + k];
                var weightGrad = gradients.OutProjWeight.AsSpan(k * h, h);
                TensorPrimitives.MultiplyAdd(activation, g, weightGrad, weightGrad);
                gradients.OutProjBias[k] += g;
            }
        }

        // ∂loss/∂H[r] = Σ_k g[r, k]·W2[k]; ReLU passes it where its output was positive (torch's threshold_backward), and
        // the transposes of ∂loss/∂Z1 and X make dW1 = (∂loss/∂Z1)ᵀ·X a product of rows.
        for (var r = 0; r < rows; r++)
        {
            TensorPrimitives.Multiply(parameters.OutProjWeight.AsSpan(0, h), _logitGrads[r * c], _rowGrad);
            for (var k = 1; k < c; k++)
            {
                TensorPrimitives.MultiplyAdd(parameters.OutProjWeight.AsSpan(k * h, h), _logitGrads[(r * c) + k], _rowGrad, _rowGrad);
            }

            var activation = _activations.AsSpan(r * h, h);
            var x = features.AsSpan(r * h, h);
            for (var j = 0; j < h; j++)
            {
                _hiddenGradsT[(j * rows) + r] = activation[j] > 0 ? _rowGrad[j] : 0;
                _featuresT[(j * rows) + r] = x[j];
            }
        }

        for (var j = 0; j < h; j++)
        {
            gradients.DenseBias[j] = TensorPrimitives.Sum(_hiddenGradsT.AsSpan(j * rows, rows));
        }

        MatrixKernels.MultiplyTransposed(_hiddenGradsT, 0, h, _featuresT, h, rows, bias: null, gradients.DenseWeight);
        return new BatchLoss(lossSum / rows, correct);
    }

    private void Forward(HeadParameters parameters, float[] features, int offset, int rows)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rows, Capacity);
        MatrixKernels.MultiplyTransposed(features, offset, rows, parameters.DenseWeight, _hidden, _hidden, parameters.DenseBias, _activations);
        var activations = _activations.AsSpan(0, rows * _hidden);
        TensorPrimitives.Max(activations, 0f, activations);
        MatrixKernels.MultiplyTransposed(_activations, 0, rows, parameters.OutProjWeight, _labels, _hidden, parameters.OutProjBias, _logits);
    }

    /// <summary>Writes softmax(<paramref name="logits"/>) to <paramref name="probabilities"/> and returns log Σ exp(logits), shifted by the maximum so neither overflows.</summary>
    private static double Softmax(ReadOnlySpan<float> logits, Span<float> probabilities)
    {
        var max = TensorPrimitives.Max(logits);
        TensorPrimitives.Subtract(logits, max, probabilities);
        TensorPrimitives.Exp(probabilities, probabilities);
        var sum = TensorPrimitives.Sum(probabilities);
        TensorPrimitives.Divide(probabilities, sum, probabilities);
        return max + Math.Log(sum);
    }
}
