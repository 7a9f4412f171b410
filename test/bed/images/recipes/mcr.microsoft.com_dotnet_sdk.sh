# mcr.microsoft.com/dotnet/sdk: cannot be provided here. Kept as a recipe so the reason is precise.
# Evidence (checked on this machine): Debian bookworm packages no .NET SDK or runtime (only Mono 6.8,
# which cannot build SDK-style projects with `dotnet`); the .NET download sites, mcr.microsoft.com
# and NuGet do not resolve, so neither an SDK nor the NuGet packages a restore needs can be had.
recipe_resolve() {
  fail "UNAVAILABLE: no .NET SDK or runtime can be had here (not in Debian bookworm; Microsoft's download sites, mcr.microsoft.com and NuGet are unreachable)"
}
recipe_context() { :; }
