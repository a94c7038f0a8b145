using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using HealthService.Probes.Tcp;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthService.Probes.Tls;

/// <summary>
/// One TLS endpoint: a handshake whose certificate is validated as any client validates it (the system trust store,
/// which <c>SSL_CERT_FILE</c> and <c>SSL_CERT_DIR</c> extend on Linux, and the expected name). Unhealthy when the
/// certificate is expired, untrusted or for another name; Degraded when it expires within the window. Nothing is
/// sent after the handshake.
/// </summary>
internal sealed class TlsHealthCheck(HostPort address, string? serverName, TimeSpan expiresWithin, TimeProvider time) : IHealthCheck
{
    private readonly string _name = string.IsNullOrWhiteSpace(serverName) ? address.Host : serverName;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ServerCertificate? certificate = null;
        var errors = SslPolicyErrors.None;
        var chainStatus = X509ChainStatusFlags.NoError;
        try
        {
            using var socket = await TcpHealthCheck.ConnectAsync(address, cancellationToken).ConfigureAwait(false);
            var tls = new SslStream(new NetworkStream(socket, ownsSocket: false));
            await using (tls.ConfigureAwait(false))
            {
                await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                {
                    TargetHost = _name,
                    // The default validation has run when this is called: its verdict is kept and judged below rather
                    // than failing the handshake, so that an expired or untrusted certificate is still described. The
                    // connection is closed without a byte of application data either way.
#pragma warning disable CA5359 // Not trust: the default validation's verdict is judged below, and the probe sends nothing.
                    RemoteCertificateValidationCallback = (_, presented, chain, policyErrors) =>
                    {
                        certificate = presented is null ? null : ServerCertificate.Of(presented);
                        errors = policyErrors;
                        foreach (var status in chain?.ChainStatus ?? [])
                        {
                            chainStatus |= status.Status;
                        }

                        return true;
                    },
#pragma warning restore CA5359
                }, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is SocketException or IOException or AuthenticationException)
        {
            return Result(context.Registration.FailureStatus, ProbeFailure.Describe(ex), certificate, ex);
        }

        return Judge(context.Registration.FailureStatus, certificate, errors, chainStatus);
    }

    private HealthCheckResult Judge(HealthStatus failure, ServerCertificate? certificate, SslPolicyErrors errors, X509ChainStatusFlags chainStatus)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return Result(failure, "no certificate presented", certificate);
        }

        var now = time.GetUtcNow();
        if (now >= certificate.NotAfter)
        {
            return Result(failure, "certificate expired", certificate);
        }

        if (now < certificate.NotBefore)
        {
            return Result(failure, "certificate not yet valid", certificate);
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            // Flag names only (UntrustedRoot, PartialChain, Revoked, ...): the chain's messages are OpenSSL's text.
            var reasons = chainStatus & ~X509ChainStatusFlags.NotTimeValid;
            return Result(failure, reasons == X509ChainStatusFlags.NoError ? "certificate untrusted" : $"certificate untrusted: {reasons}", certificate);
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return Result(failure, "certificate for another name", certificate);
        }

        var days = certificate.DaysLeft(now);
        return certificate.NotAfter - now <= expiresWithin
            ? Result(HealthStatus.Degraded, $"certificate expires in {days} {(days == 1 ? "day" : "days")}", certificate)
            : Result(HealthStatus.Healthy, $"certificate valid for {days} more days", certificate);
    }

    private HealthCheckResult Result(HealthStatus status, string reason, ServerCertificate? certificate, Exception? exception = null) =>
        new(status, $"{address}: {reason}", exception, certificate?.Data(time.GetUtcNow()));
}
