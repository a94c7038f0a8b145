# syntax=docker/dockerfile:1
# Multi-stage build: the SDK image restores and compiles the service to one native executable (Native AOT), and
# runtime-deps, which holds no .NET at all (only the C library, OpenSSL, CA certificates and time zones), runs it.
# The base images are arguments, so that a machine without a container registry can pass stand-ins
# (deploy/container/container-smoke.sh does).
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/runtime-deps:10.0

FROM ${SDK_IMAGE} AS build
# Native AOT links with clang against zlib; the SDK image has neither. Its own layer, cached with the SDK image.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends clang zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Restore in its own layer: it stays cached until the SDK pin, the build properties, a package version or the
# project file changes, whatever happens to the sources. The architecture is the image's (amd64 or arm64, set by the
# builder), so the native compiler of that architecture is restored.
ARG TARGETARCH
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/HealthService/HealthService.csproj src/HealthService/
COPY src/HealthService.AspNetCore/HealthService.AspNetCore.csproj src/HealthService.AspNetCore/
RUN dotnet restore src/HealthService/HealthService.csproj ${TARGETARCH:+--arch $TARGETARCH}
# The sources, the analyzer settings (warnings are errors) and the one appsettings.json at the repository root,
# which the project links into its output. Tests, benchmarks and docs never enter the build (.dockerignore).
COPY .editorconfig appsettings.json ./
COPY src/ src/
RUN dotnet publish src/HealthService/HealthService.csproj --configuration Release --no-restore \
    ${TARGETARCH:+--arch $TARGETARCH} --output /publish \
 && mkdir /app && cp /publish/HealthService /publish/appsettings.json /app/

# The final image: the native executable and appsettings.json only; no .NET runtime, no SDK, no sources, no tests,
# no debug symbols (HealthService.dbg stays in the build stage).
FROM ${RUNTIME_IMAGE} AS final
WORKDIR /app
# Owned by root and not writable by the service's user.
COPY --from=build /app ./
ENV ASPNETCORE_HTTP_PORTS=8080
EXPOSE 8080
# Liveness, not readiness: a failing container health check gets the container replaced, and a dependency outage
# (a database down, which /health reports as 503) must not restart every container of the fleet. /health/live
# fails only when the process no longer serves. The load balancer checks /health. The probe is the service's own
# executable (no curl needed), a native process that starts in milliseconds; --timeout covers its own 2 s deadline.
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/app/HealthService", "probe", "--path", "/health/live"]
# The non-root user of the .NET images ("app", UID 1654), by number so that Kubernetes' runAsNonRoot can verify it.
USER 1654
# The service runs as PID 1 and gets SIGTERM itself: /health answers 503 Draining for Health:DrainDelay, then it
# exits 0.
ENTRYPOINT ["/app/HealthService"]
