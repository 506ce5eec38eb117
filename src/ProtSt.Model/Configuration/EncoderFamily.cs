namespace ProtSt.Model.Configuration;

/// <summary>
/// The protein encoder families the converter builds, chosen once from a checkpoint's config; the lower-case name is
/// the manifest's <c>architecture</c>. A new family adds a value here, a <c>TransformerBlockSpec</c> and a weight-name map.
/// </summary>
public enum EncoderFamily
{
    /// <summary>ESM-2 (Hugging Face <c>EsmModel</c> with rotary positions), also ProtST's protein tower.</summary>
    Esm2,

    /// <summary>ESM-1b (Hugging Face <c>EsmModel</c> with learned positions).</summary>
    Esm1b,

    /// <summary>ESM C (ESM Cambrian): the <c>esm</c> package's <c>ESMC</c> module, recognised by its tensor names.</summary>
    EsmC,
}
