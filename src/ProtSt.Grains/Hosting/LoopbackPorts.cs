using System.Net;
using System.Net.Sockets;

namespace ProtSt.Grains.Hosting;

/// <summary>Free TCP ports on the loopback interface, so several silos and tests can run on one machine.</summary>
public static class LoopbackPorts
{
    public static int Free()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
