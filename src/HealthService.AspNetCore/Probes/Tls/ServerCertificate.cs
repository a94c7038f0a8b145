using System.Globalization;
using System.Security.Cryptography.X509Certificates;

namespace HealthService.Probes.Tls;

/// <summary>What a probe reports of the leaf certificate a server presented: names and dates, nothing secret.</summary>
internal sealed record ServerCertificate(string Subject, string Issuer, DateTimeOffset NotBefore, DateTimeOffset NotAfter)
{
    public static ServerCertificate Of(X509Certificate certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        if (certificate is X509Certificate2 full)
        {
            return new(full.Subject, full.Issuer, full.NotBefore.ToUniversalTime(), full.NotAfter.ToUniversalTime());
        }

        using var loaded = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return Of(loaded);
    }

    /// <summary>Whole days until it expires, rounded down: 0 on its last day, negative once expired.</summary>
    public int DaysLeft(DateTimeOffset now) => (int)Math.Floor((NotAfter - now).TotalDays);

    /// <summary>The probe result's data: <c>subject</c>, <c>issuer</c>, <c>notAfter</c> (ISO 8601, UTC) and <c>daysLeft</c>.</summary>
    public Dictionary<string, object> Data(DateTimeOffset now) => new()
    {
        ["subject"] = Subject,
        ["issuer"] = Issuer,
        ["notAfter"] = NotAfter.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        ["daysLeft"] = DaysLeft(now),
    };
}
