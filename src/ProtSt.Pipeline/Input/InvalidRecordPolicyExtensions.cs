namespace ProtSt.Pipeline;

/// <summary>Applies an <see cref="InvalidRecordPolicy"/> to one record's problem.</summary>
public static class InvalidRecordPolicyExtensions
{
    /// <summary>Throws <see cref="InvalidInputException"/> under <see cref="InvalidRecordPolicy.Fail"/>; otherwise reports the problem.</summary>
    public static void Refuse(this InvalidRecordPolicy policy, InputProblem problem, Action<InputProblem>? onProblem)
    {
        if (policy == InvalidRecordPolicy.Fail)
        {
            throw new InvalidInputException(problem);
        }

        onProblem?.Invoke(problem);
    }
}
