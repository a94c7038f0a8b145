using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace HealthService.Tests.Infrastructure;

/// <summary>
/// A certificate authority made at test time and the server certificates it signs, for TLS servers on loopback. The
/// service trusts it only when started with <c>SSL_CERT_FILE</c> naming <see cref="WriteAuthorityPem"/>'s file, as an
/// operator adds a private CA.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private readonly ECDsa _authorityKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public TestCertificates()
    {
        var request = new CertificateRequest("CN=HealthService Test CA", _authorityKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        Authority = request.CreateSelfSigned(now.AddYears(-1), now.AddYears(2));
    }

    public X509Certificate2 Authority { get; }

    /// <summary>Writes the authority as PEM to a new temporary file and returns its path.</summary>
    public string WriteAuthorityPem()
    {
        var path = Path.Combine(Path.GetTempPath(), $"healthservice-test-ca-{Guid.NewGuid():N}.pem");
        File.WriteAllText(path, Authority.ExportCertificatePem() + "\n");
        return path;
    }

    /// <summary>A server certificate for <paramref name="name"/> (and 127.0.0.1 when it is localhost) signed by the authority.</summary>
    public X509Certificate2 Leaf(string name, DateTimeOffset notBefore, DateTimeOffset notAfter) =>
        Create(name, notBefore, notAfter, selfSigned: false);

    /// <summary>A server certificate for <paramref name="name"/> that signs itself: nobody's trust store holds it.</summary>
    public X509Certificate2 SelfSigned(string name, DateTimeOffset notBefore, DateTimeOffset notAfter) =>
        Create(name, notBefore, notAfter, selfSigned: true);

    private X509Certificate2 Create(string name, DateTimeOffset notBefore, DateTimeOffset notAfter, bool selfSigned)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(name);
        if (name == "localhost")
        {
            names.AddIpAddress(IPAddress.Loopback);
        }

        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var signed = selfSigned
            ? request.CreateSelfSigned(notBefore, notAfter)
            : WithAuthorityKeyIdentifier(request).Create(Authority, notBefore, notAfter, RandomNumberGenerator.GetBytes(12));
        using var withKey = selfSigned ? null : signed.CopyWithPrivateKey(key);
        // Through PKCS#12, so that the key is one a TLS server on any platform can use.
        return X509CertificateLoader.LoadPkcs12((withKey ?? signed).Export(X509ContentType.Pkcs12), null);
    }

    private CertificateRequest WithAuthorityKeyIdentifier(CertificateRequest request)
    {
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Authority, true, false));
        return request;
    }

    public void Dispose()
    {
        Authority.Dispose();
        _authorityKey.Dispose();
    }
}
