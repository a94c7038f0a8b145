# shellcheck shell=bash
# Section 6, "image": what the container image adds over its base (mcr.microsoft.com/dotnet/runtime-deps:10.0),
# without building an image: the files the Dockerfile's final stage copies, taken from the bench's own publish (the
# Dockerfile's command, bench/.out/publish/service). The final stage copies the build stage's /app, which one
# `cp /publish/... /app/` fills; the list is read from the Dockerfile, so that the figure follows it. Goal: at most
# 40 MiB. Beside it, for comparison, what a JIT image would add: the framework-dependent publish folder and the
# shared runtime it needs (the .NET and ASP.NET Core runtimes and the dotnet host, which the aspnet image adds over
# runtime-deps), as installed here.

# The files the final stage gets, one per line (names inside the publish folder). Empty when the Dockerfile no longer
# has that shape (the caller reports it).
image_files() {
  local dockerfile="$REPO_DIR/Dockerfile"
  grep -qE '^COPY --from=build /app ' "$dockerfile" || return 0
  # Continuation lines joined, then the words of the `cp ... /app/` command that name /publish/ files.
  sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$dockerfile" | grep -oE '(^|[;&|] *)cp [^;&|]* /app/?( |$)' |
    grep -oE '/publish/[^ ]+' | sed 's|^/publish/||' || true
}

# bytes_mib BYTES: MiB, one decimal.
bytes_mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }

# du_bytes PATH...: apparent size in bytes (what a layer's tar holds, give or take its headers).
du_bytes() { du -sbc "$@" 2>/dev/null | awk 'END { print $1 + 0 }'; }

section_image() {
  log "== section image: what the image adds over runtime-deps"
  local native_dir="$OUT_DIR/publish/service" jit_dir="$OUT_DIR/publish/service-jit"
  local -a files=() paths=()
  local file bytes=0 size rows="" missing=""
  mapfile -t files < <(image_files)
  ((${#files[@]} > 0)) || invalid "image: the Dockerfile's final stage no longer copies /app filled by \`cp /publish/... /app/\`: the files it copies are unknown"
  for file in "${files[@]}"; do
    if [[ -f $native_dir/$file ]]; then
      size=$(stat -c %s "$native_dir/$file")
      bytes=$((bytes + size))
      paths+=("$native_dir/$file")
      rows+="| \`$file\` | $size | $(bytes_mib "$size") |"$'\n'
    else
      missing+="${missing:+, }$file"
    fi
  done
  [[ -z $missing ]] || invalid "image: the Dockerfile copies $missing, which the native publish does not hold"
  local image_mib="n/a"
  ((${#files[@]} > 0)) && [[ -z $missing ]] && image_mib=$(bytes_mib "$bytes")

  # What stays behind in the build stage (debug symbols and the like).
  local left="" name
  for file in "$native_dir"/*; do
    name=${file##*/}
    [[ " ${files[*]} " == *" $name "* ]] && continue
    left+="${left:+, }\`$name\` $(bytes_mib "$(du_bytes "$file")") MiB"
  done

  # The JIT build's equivalent: its publish folder plus the shared runtime of the version the dotnet host runs.
  local jit_publish_mib runtime_mib="n/a" jit_total_mib="n/a" dotnet_root netcore="" aspnet="" fxr=""
  jit_publish_mib=$(bytes_mib "$(du_bytes "$jit_dir")")
  dotnet_root=$(dirname "$(readlink -f "$(command -v dotnet)")")
  netcore=$(dotnet --list-runtimes | awk '$1 == "Microsoft.NETCore.App" && $2 ~ /^10\./ { v = $2 } END { print v }')
  aspnet=$(dotnet --list-runtimes | awk '$1 == "Microsoft.AspNetCore.App" && $2 ~ /^10\./ { v = $2 } END { print v }')
  fxr=$(find "$dotnet_root/host/fxr" -mindepth 1 -maxdepth 1 -type d -name '10.*' 2>/dev/null | sort -V | tail -n 1)
  if [[ -n $netcore && -n $aspnet && -n $fxr ]]; then
    local runtime_bytes
    runtime_bytes=$(du_bytes "$dotnet_root/dotnet" "$fxr" "$dotnet_root/shared/Microsoft.NETCore.App/$netcore" \
      "$dotnet_root/shared/Microsoft.AspNetCore.App/$aspnet")
    runtime_mib=$(bytes_mib "$runtime_bytes")
    jit_total_mib=$(awk -v a="$jit_publish_mib" -v b="$runtime_mib" 'BEGIN { printf "%.1f", a + b }')
  fi

  local r
  r=$(ratio "$image_mib" "$GOAL_IMAGE_MIB")
  {
    echo "## 6. What the image adds"
    echo
    echo "The image is \`runtime-deps:10.0\` (no .NET) plus what the Dockerfile's final stage copies: the build stage's"
    echo "\`/app\`, filled by its \`cp\` of $(printf '`%s` ' "${files[@]}" | sed 's/ $//; s/` `/`, `/g') from the publish folder. Their"
    echo "sizes here, from the bench's publish with the Dockerfile's command (\`dotnet publish"
    echo "src/HealthService/HealthService.csproj -c Release\`, Native AOT). Goal: at most $GOAL_IMAGE_MIB MiB."
    echo
    echo "| File | bytes | MiB |"
    echo "| --- | ---: | ---: |"
    printf '%s' "$rows"
    echo "| **the image adds** | **$bytes** | **$image_mib** |"
    echo
    echo "Left in the build stage: ${left:-nothing}."
    echo
    echo "For comparison, the JIT build: its framework-dependent publish folder (\`-p:PublishAot=false\`) is"
    echo "$jit_publish_mib MiB, and it needs the shared runtime, which the aspnet image adds over runtime-deps: here the"
    echo "dotnet host, hostfxr ${fxr##*/}, Microsoft.NETCore.App ${netcore:-n/a} and Microsoft.AspNetCore.App ${aspnet:-n/a}, $runtime_mib MiB;"
    echo "together $jit_total_mib MiB."
    echo
    echo "Limits: file sizes, not a built image: a layer also holds tar headers (a few KiB), and a registry stores it"
    echo "compressed. The shared runtime's size is this machine's installation, close to the aspnet image's but not it."
  } >"$MD_DIR/6-image.md"
  goal "6 image" "what the image adds over runtime-deps (the native executable and appsettings.json)" "$image_mib MiB" \
    "limit $GOAL_IMAGE_MIB MiB" "$r" "<= $GOAL_IMAGE_MIB MiB" "$(verdict "$image_mib" le "$GOAL_IMAGE_MIB")" \
    "$(jit_cell "$jit_total_mib MiB" "$(ratio "$jit_total_mib" "$GOAL_IMAGE_MIB")" le 1): publish $jit_publish_mib + runtime $runtime_mib"
}
