using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ProtSt.Silo;

namespace ProtSt.Cli.Tests;

/// <summary>Polls a silo host's /readyz, as Kubernetes would, until its answer meets a condition.</summary>
public static class ReadinessProbe
{
    public static async Task<(HttpStatusCode Status, Readiness Answer)> WaitForAsync(HttpClient http, Func<Readiness, bool> condition, TimeSpan patience)
    {
        using var timeout = new CancellationTokenSource(patience);
        var seen = new List<string?>();
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(new Uri("/readyz", UriKind.Relative), timeout.Token);
                var answer = (await response.Content.ReadFromJsonAsync<Readiness>(JsonSerializerOptions.Web, timeout.Token))!;
                if (condition(answer))
                {
                    return (response.StatusCode, answer);
                }

                seen.Add(answer.Reason);
                await Task.Delay(TimeSpan.FromMilliseconds(250), timeout.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                throw new TimeoutException($"/readyz did not reach the expected state within {patience}; it said: {string.Join(" | ", seen.Distinct())}");
            }
        }
    }
}
