# syntax=docker/dockerfile:1
# Multi-stage build: the SDK image builds, the ASP.NET runtime image runs. The base images are arguments so that
# a build without access to a container registry can pass stand-ins.
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0

FROM ${SDK_IMAGE} AS build
WORKDIR /src
# Restore in its own layer: it is cached until a project or package version changes.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/HealthService/HealthService.csproj src/HealthService/
RUN dotnet restore src/HealthService/HealthService.csproj
COPY .editorconfig appsettings.json ./
COPY src/ src/
RUN dotnet publish src/HealthService/HealthService.csproj --configuration Release --no-restore --output /app

FROM ${RUNTIME_IMAGE} AS final
WORKDIR /app
COPY --from=build /app ./
ENV ASPNETCORE_HTTP_PORTS=8080
EXPOSE 8080
# The aspnet images ship a non-root user (UID 1654, "app").
USER 1654
ENTRYPOINT ["dotnet", "HealthService.dll"]
