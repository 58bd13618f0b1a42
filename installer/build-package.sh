#!/usr/bin/env bash
# Builds Shear's Linux installer from the output of `mvn package` (target/shear.jar, target/lib/*.jar):
#   1. a trimmed Java runtime with jlink: the JDK's own modules (jdeps finds which) plus JavaFX's
#      modules from the javafx-*-linux.jar files, whose native libraries go into the runtime's lib/;
#   2. an app image with jpackage: target/installer/shear/ (launcher bin/shear, icons in lib/icons);
#   3. a .deb with jpackage: target/installer/shear_<version>_<arch>.deb. It installs to /opt/shear;
#      its postinst runs installer/desktop-integration.sh for /usr/bin/shear, the menu entry and icons.
# The one documented command is `mvn -B -Ppackage -DskipTests package`, which runs this script after
# `package`; run it directly after `mvn package` to repackage without Maven. See installer/README.md.
#
# Usage: installer/build-package.sh [--app-image-only]
# Environment: JAVA_HOME (a JDK >= 25 with jlink and jpackage; else one is searched in /usr/lib/jvm),
#   DPKG_DEB_COMPRESSOR_LEVEL (xz level of the .deb; default 1 here: 6 saves 13 % for ~30 s more).
set -euo pipefail

project="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
target="$project/target"
out="$target/installer"
work="$out/work"

app_name=shear
main_class=dev.shear.Launcher
# Modules always linked: JavaFX's controls and javafx.swing (SwingFXUtils for PNG snapshots), also
# before any code uses them. jdeps adds the JDK modules the code and its libraries need.
extra_modules=javafx.controls,javafx.swing
java_options=(
  # Shear's FFM calls (class path) and JavaFX's System.load of its native libraries
  '--enable-native-access=ALL-UNNAMED,javafx.graphics'
  # ControlsFX (on the class path) uses JavaFX internals, which are closed here because JavaFX is
  # in the runtime as named modules (with ./shear all is on the class path and nothing is closed):
  # statically (jdeps) the first three, by reflection the last two. Without the first, e.g.
  # TextFields.bindAutoCompletion fails with IllegalAccessError.
  --add-exports=javafx.base/com.sun.javafx.event=ALL-UNNAMED
  --add-exports=javafx.controls/com.sun.javafx.scene.control=ALL-UNNAMED
  --add-exports=javafx.controls/com.sun.javafx.scene.control.behavior=ALL-UNNAMED
  --add-opens=javafx.controls/javafx.scene.control.skin=ALL-UNNAMED
  --add-opens=javafx.graphics/javafx.scene=ALL-UNNAMED
)
description="Live VM-disk backups with copy-before-write and fleecing"
vendor="Shear project"
maintainer_email="shear@example.invalid"
menu_group="Utility;Archiving;System;"
icon_sizes=(16 24 32 48 64 128 256 512)

fail() { echo "build-package: $*" >&2; exit 1; }
step() { printf 'build-package: [%3ss] %s\n' "$SECONDS" "$*"; }

app_image_only=false
case "${1:-}" in
  "") ;;
  --app-image-only) app_image_only=true ;;
  *) fail "unknown argument '$1' (usage: installer/build-package.sh [--app-image-only])" ;;
esac

java_major() { "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1; }

find_jdk() {
  local c v
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
    if [ -z "$c" ] || [ ! -x "$c/bin/jlink" ] || [ ! -x "$c/bin/jpackage" ]; then continue; fi
    v="$(java_major "$c")"
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then echo "$c"; return 0; fi
  done
  return 1
}

jdk="$(find_jdk)" || fail "needs a JDK 25 or newer with jlink and jpackage (looked at JAVA_HOME='${JAVA_HOME:-}' and /usr/lib/jvm/*)"
[ -f "$target/shear.jar" ] || fail "$target/shear.jar is missing: run 'mvn -DskipTests package' first"
fx_jars=("$target"/lib/javafx-*-linux.jar)
[ -f "${fx_jars[0]}" ] || fail "no javafx-*-linux.jar in $target/lib: run 'mvn -DskipTests package' on Linux first"
if ! $app_image_only; then
  for tool in fakeroot dpkg-deb; do
    command -v "$tool" >/dev/null || fail "$tool is missing; install it: apt-get install fakeroot dpkg"
  done
fi

rm -rf "$out"
mkdir -p "$work/version"
# jpackage wants a numeric version: 0.1.0-SNAPSHOT -> 0.1.0
"$jdk/bin/jar" --extract --file "$target/shear.jar" --dir "$work/version" dev/shear/version.properties
[ -f "$work/version/dev/shear/version.properties" ] || fail "$target/shear.jar has no dev/shear/version.properties"
full_version="$(sed -n 's/^version=//p' "$work/version/dev/shear/version.properties")"
version="${full_version%%[!0-9.]*}"
version="${version%.}"
[[ "$version" =~ ^[0-9]+(\.[0-9]+){0,3}$ ]] || fail "version '$full_version' does not start with a number jpackage accepts (like 1.2.3)"
step "JDK $jdk, version $full_version -> package version $version"
mkdir -p "$work/input/lib" "$work/content/icons" "$work/resources"

# The class path: shear.jar and the non-JavaFX jars, laid out as the jar manifest's Class-Path
# (lib/...) expects. JavaFX is not on it: it is part of the runtime image as named modules.
cp "$target/shear.jar" "$work/input/"
for jar in "$target"/lib/*.jar; do
  case "$(basename "$jar")" in javafx-*) ;; *) cp "$jar" "$work/input/lib/" ;; esac
done
class_path=("$work/input/shear.jar" "$work/input/lib"/*.jar)
fx_path="$(IFS=:; echo "${fx_jars[*]}")"

jdk_modules="$("$jdk/bin/jdeps" --print-module-deps --ignore-missing-deps --multi-release 25 \
  --module-path "$fx_path" "${class_path[@]}")"
modules="$(tr , '\n' <<<"$jdk_modules,$extra_modules" | sort -u | paste -sd,)"
step "jlink: $modules"
# No --compress: xz compresses the .deb far better than jlink's zip does (a zip-6 runtime makes a
# 46 MB .deb instead of 30 MB). The JavaFX native libraries leave the modules file and go to the
# runtime's lib/, where JavaFX looks first; so it never unpacks them into ~/.openjfx/cache.
"$jdk/bin/jlink" --module-path "$fx_path" --add-modules "$modules" \
  --strip-debug --no-header-files --no-man-pages \
  --exclude-resources 'glob:/javafx.*/*.so' \
  --output "$work/runtime"
for jar in "${fx_jars[@]}"; do
  mapfile -t libs < <("$jdk/bin/jar" --list --file "$jar" | grep '^lib[^/]*\.so$' || true)
  [ ${#libs[@]} -eq 0 ] || "$jdk/bin/jar" --extract --file "$jar" --dir "$work/runtime/lib" "${libs[@]}"
done
[ -f "$work/runtime/lib/libglassgtk3.so" ] || fail "libglassgtk3.so did not come out of ${fx_jars[*]}"

step "jpackage app image"
for size in "${icon_sizes[@]}"; do
  png="$project/assets/icons/shear-$size.png"
  [ -f "$png" ] || fail "$png is missing: run assets/render-icons.sh"
  cp "$png" "$work/content/icons/"
done
cp "$project/assets/shear.svg" "$work/content/icons/"
java_option_args=()
for option in "${java_options[@]}"; do java_option_args+=(--java-options "$option"); done
"$jdk/bin/jpackage" --type app-image --dest "$out" \
  --name "$app_name" --app-version "$version" --vendor "$vendor" --description "$description" \
  --runtime-image "$work/runtime" \
  --input "$work/input" --main-jar shear.jar --main-class "$main_class" \
  "${java_option_args[@]}" \
  --icon "$project/assets/icons/shear-256.png" \
  --app-content "$work/content/icons,$project/installer/desktop-integration.sh,$project/installer/shear-scheduler.service"
"$out/$app_name/bin/$app_name" --version >/dev/null || fail "the app image's launcher does not start: $out/$app_name/bin/$app_name --version"

if $app_image_only; then
  rm -rf "$work"
  step "done: $out/$app_name ($(du -sh "$out/$app_name" | cut -f1))"
  exit 0
fi

step "jpackage .deb"
# jpackage takes the package's icon, menu entry (--linux-shortcut: lib/shear-shear.desktop) and
# maintainer scripts from the resource dir, as templates it fills in.
cp "$project"/installer/resources/* "$work/resources/"
cp "$project/assets/icons/shear-256.png" "$work/resources/$app_name.png"
export DPKG_DEB_COMPRESSOR_TYPE="${DPKG_DEB_COMPRESSOR_TYPE:-xz}"
export DPKG_DEB_COMPRESSOR_LEVEL="${DPKG_DEB_COMPRESSOR_LEVEL:-1}"
"$jdk/bin/jpackage" --type deb --dest "$out" \
  --app-image "$out/$app_name" \
  --name "$app_name" --app-version "$version" --vendor "$vendor" --description "$description" \
  --install-dir /opt \
  --resource-dir "$work/resources" \
  --linux-package-deps libgtk-3-0 \
  --linux-shortcut --linux-menu-group "$menu_group" --linux-app-category admin \
  --linux-deb-maintainer "$maintainer_email"
deb="$out/${app_name}_${version}_$(dpkg --print-architecture).deb"
[ -f "$deb" ] || fail "jpackage did not write $deb"
rm -rf "$work"
step "done: $deb ($(du -h "$deb" | cut -f1); installed $(dpkg-deb -f "$deb" Installed-Size) KiB)"
