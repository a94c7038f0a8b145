using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using HealthService.Probes.Tls;

namespace HealthService.Probes.Http;

/// <summary>
/// The certificate of an https dependency, seen in its client's handshakes. The callback keeps the platform's
/// verdict (it accepts exactly what the default validation accepts); it only records the leaf certificate, so that
/// the probe can report when it expires. Pooled connections reuse one handshake, so this is the certificate of the
/// latest connection, renewed at least as often as <c>PooledConnectionLifetime</c>.
/// </summary>
internal sealed class ServerCertificateCapture
{
    private volatile ServerCertificate? _latest;

    public ServerCertificate? Latest => _latest;

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is not null)
        {
            _latest = ServerCertificate.Of(certificate);
        }

        return errors == SslPolicyErrors.None;
    }
}
