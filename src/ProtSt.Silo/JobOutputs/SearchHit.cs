namespace ProtSt.Silo.JobOutputs;

/// <summary>One protein of a job ranked for a text query: its id and ProtST's score (exp(logit_scale) × cosine).</summary>
public sealed record SearchHit(string Id, float Score);
