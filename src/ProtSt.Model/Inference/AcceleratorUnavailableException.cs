namespace ProtSt.Model.Inference;

/// <summary>The accelerator asked for cannot be used here; the message says what is missing and what to do instead.</summary>
public sealed class AcceleratorUnavailableException(string message, Exception? inner = null) : InvalidOperationException(message, inner);
