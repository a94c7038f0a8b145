# syntax=docker/dockerfile:1
# Multi-stage build: the SDK image restores and publishes, the ASP.NET runtime image runs the result. The base
# images are arguments, so that a machine without a container registry can pass stand-ins
# (deploy/container/container-smoke.sh does).
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0

FROM ${SDK_IMAGE} AS build
WORKDIR /src
# Restore in its own layer: it stays cached until the SDK pin, the build properties, a package version or the
# project file changes, whatever happens to the sources.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/HealthService/HealthService.csproj src/HealthService/
COPY src/HealthService.AspNetCore/HealthService.AspNetCore.csproj src/HealthService.AspNetCore/
RUN dotnet restore src/HealthService/HealthService.csproj
# The sources, the analyzer settings (warnings are errors) and the one appsettings.json at the repository root,
# which the project links into its output. Tests, benchmarks and docs never enter the build (.dockerignore).
COPY .editorconfig appsettings.json ./
COPY src/ src/
RUN dotnet publish src/HealthService/HealthService.csproj --configuration Release --no-restore \
    --output /app -p:UseAppHost=false -p:IsTransformWebConfigDisabled=true

# The final image: the ASP.NET Core runtime and the published service only; no SDK, no sources, no tests.
FROM ${RUNTIME_IMAGE} AS final
WORKDIR /app
# Owned by root and not writable by the service's user.
COPY --from=build /app ./
ENV ASPNETCORE_HTTP_PORTS=8080
EXPOSE 8080
# Liveness, not readiness: a failing container health check gets the container replaced, and a dependency outage
# (a database down, which /health reports as 503) must not restart every container of the fleet. /health/live
# fails only when the process no longer serves. The load balancer checks /health. The probe is the service's own
# binary (no curl needed); WORKDIR /app makes the relative path work. --timeout covers the probe's own 2 s deadline
# plus the start of its dotnet process (a second or two on a small CPU share), as the README's ECS check does.
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
    CMD ["dotnet", "HealthService.dll", "probe", "--path", "/health/live"]
# The non-root user of the aspnet images ("app", UID 1654), by number so that Kubernetes' runAsNonRoot can verify it.
USER 1654
# dotnet runs as PID 1 and gets SIGTERM itself: /health answers 503 Draining for Health:DrainDelay, then it exits 0.
ENTRYPOINT ["dotnet", "HealthService.dll"]
