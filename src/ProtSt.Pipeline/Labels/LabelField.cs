namespace ProtSt.Pipeline;

/// <summary>Which column of a label file becomes the prompt: the short name (through a template) or the full description.</summary>
public enum LabelField
{
    Name,
    Description,
}
