namespace ProtSt.Model.Checkpoints;

/// <summary>Element types a checkpoint tensor can be stored in.</summary>
public enum TensorDType
{
    Float32,
    Float16,
    BFloat16,
    Float64,
    Int64,
    Int32,
    Int16,
    Int8,
    UInt8,
    Bool,
}
