#!/usr/bin/env bash
# Build "LoRA Studio.app" for Apple silicon (macOS 14+), sign it inside-out
# with the hardened runtime, notarize and staple it, and wrap it in a .dmg.
#
#   LORASTUDIO_SIGN_IDENTITY="Developer ID Application: Jane Doe (TEAMID1234)" \
#   LORASTUDIO_NOTARY_PROFILE=lorastudio-notary \
#   bash packaging/build_macos.sh
#
# Steps (docs/packaging.md explains each):
#   1. a build environment from packaging/requirements-lock.txt (hashes checked),
#      with the mlx and mlx-metal wheels of the OLDEST supported macOS (their
#      metallib is built per macOS version; a newer one fails to load on 14);
#   2. the icon: packaging/make_icon.py draws the .iconset, iconutil makes the .icns;
#   3. PyInstaller with packaging/lorastudio.spec -> dist/LoRA Studio.app;
#   4. packaging/verify_bundle.py, then the app's own --self-test;
#   5. codesign every nested Mach-O and framework, deepest first, then the app,
#      all with --options runtime --timestamp; the entitlements go on the app;
#   6. the --self-test again, now under the hardened runtime;
#   7. notarytool submit --wait, stapler staple, spctl assessment;
#   8. a .dmg (app + /Applications link), signed, notarized and stapled too.
#
# Environment:
#   LORASTUDIO_SIGN_IDENTITY   codesign identity ("Developer ID Application: ..."; list
#                              them with `security find-identity -v -p codesigning`).
#                              Unset: ad-hoc signature and no notarization, a build for
#                              this Mac only (Gatekeeper rejects it anywhere else).
#   LORASTUDIO_NOTARY_PROFILE  keychain profile for notarytool, made once with
#                              `xcrun notarytool store-credentials NAME --apple-id ID
#                              --team-id TEAM` (asks for an app-specific password).
#                              Unset with an identity: signed, not notarized.
#   LORASTUDIO_BUILD_VENV      build environment (default build/venv-macos, made fresh
#                              from the lock when missing)
#   PYTHON                     the Python that makes it (default python3.11). Use the
#                              python.org installer's build: its libpython runs on old
#                              macOS versions, Homebrew's is built for the running one
#                              (verify_bundle.py fails the build if any Mach-O needs a
#                              macOS newer than LSMinimumSystemVersion).
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "build_macos: $*" >&2; exit 1; }

[ "$(uname -s)" = "Darwin" ] || die "this builds the macOS app; on Linux use packaging/build_linux.sh"
[ "$(uname -m)" = "arm64" ] || die "MLX needs Apple silicon: run this on an arm64 Mac (not under Rosetta)"

identity="${LORASTUDIO_SIGN_IDENTITY:-}"
profile="${LORASTUDIO_NOTARY_PROFILE:-}"
venv="${LORASTUDIO_BUILD_VENV:-build/venv-macos}"
python="${PYTHON:-python3.11}"
app="dist/LoRA Studio.app"
entitlements="packaging/entitlements.plist"
mkdir -p build dist

if [ -z "$identity" ]; then
  echo "build_macos: LORASTUDIO_SIGN_IDENTITY is not set: ad-hoc signing, no notarization (local test build)" >&2
  profile=""
elif [ -z "$profile" ]; then
  echo "build_macos: LORASTUDIO_NOTARY_PROFILE is not set: the app is signed but not notarized" >&2
fi

# --- 1. build environment -----------------------------------------------------
if [ ! -x "$venv/bin/python" ]; then
  command -v "$python" >/dev/null 2>&1 || die "no $python (install Python 3.11 from python.org, or set PYTHON)"
  "$python" -m venv "$venv"
fi
py="$venv/bin/python"
[ "$("$py" -c 'import platform; print(platform.machine())')" = "arm64" ] || die "$py is not an arm64 Python"
"$py" -m pip install -q --disable-pip-version-check --upgrade pip
"$py" -m pip install -q --disable-pip-version-check --require-hashes --no-deps -r packaging/requirements-lock.txt

min_macos="$("$py" packaging/app_info.py min-macos)"
version="$("$py" packaging/app_info.py version)"
platform_tag="macosx_${min_macos//./_}_arm64"
pyver="$("$py" -c 'import sys; print("%d%d" % sys.version_info[:2])')"
echo "== mlx wheels for macOS $min_macos ($platform_tag)"
# The mlx and mlx-metal blocks of the lock (name line and its --hash lines).
awk '/^[A-Za-z]/ { split($1, part, "=="); keep = (part[1] == "mlx" || part[1] == "mlx-metal") } keep' \
  packaging/requirements-lock.txt > build/lock-mlx.txt
rm -rf build/mlx-wheels
"$py" -m pip download -q --disable-pip-version-check --require-hashes --no-deps --only-binary=:all: \
  --platform "$platform_tag" --python-version "$pyver" --implementation cp \
  -d build/mlx-wheels -r build/lock-mlx.txt
"$py" -m pip install -q --disable-pip-version-check --no-deps --force-reinstall build/mlx-wheels/*.whl
"$py" -c 'import mlx.core as mx; assert mx.default_device() == mx.gpu, mx.default_device(); print("mlx", mx.__version__, "on", mx.default_device())'

# --- 2. icon --------------------------------------------------------------------
echo "== icon"
rm -rf build/LoRAStudio.iconset
"$py" packaging/make_icon.py --png build/LoRAStudio-1024.png --iconset build/LoRAStudio.iconset >/dev/null
iconutil -c icns build/LoRAStudio.iconset -o build/LoRAStudio.icns

# --- 3. build ---------------------------------------------------------------------
echo "== PyInstaller"
rm -rf "$app" dist/LoRAStudio
LORASTUDIO_ICNS="$PWD/build/LoRAStudio.icns" "$py" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath dist --workpath build/pyinstaller packaging/lorastudio.spec
[ -d "$app" ] || die "PyInstaller made no $app"

# --- 4. check what was built --------------------------------------------------------
echo "== verify and self-test (ad-hoc signed by PyInstaller)"
"$py" packaging/verify_bundle.py "$app"
"$app/Contents/MacOS/LoRAStudio" --self-test "$PWD/build/selftest-built.png"

# --- 5. sign inside-out ---------------------------------------------------------------
echo "== codesign (${identity:-ad-hoc})"
if [ -n "$identity" ]; then
  sign() { codesign --force --timestamp --options runtime --sign "$identity" "$@"; }
else
  sign() { codesign --force --timestamp=none --options runtime --sign - "$@"; }
fi
# Every Mach-O file (dylibs, .so extensions, framework binaries, helper executables)
# except the main executable, deepest path first, so that each container is signed
# after what it contains. Symlinks are skipped: their targets are signed once.
"$py" - "$app" > build/macho-files.txt <<'PY'
import os, sys
MAGICS = {b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"\xfe\xed\xfa\xcf"}
app = sys.argv[1]
main = os.path.join(app, "Contents", "MacOS", "LoRAStudio")
found = []
for folder, _, files in os.walk(os.path.join(app, "Contents")):
    for name in files:
        path = os.path.join(folder, name)
        if path == main or os.path.islink(path):
            continue
        with open(path, "rb") as f:
            if f.read(4) in MAGICS:
                found.append(path)
for path in sorted(found, key=lambda p: (-p.count(os.sep), p)):
    print(path)
PY
while IFS= read -r file; do
  sign "$file"
done < build/macho-files.txt
echo "signed $(wc -l < build/macho-files.txt | tr -d ' ') nested Mach-O files"
# Framework bundles (Qt's), deepest first, after the binaries inside them.
find "$app/Contents" -type d -name "*.framework" -print \
  | awk '{ print gsub("/", "/") "\t" $0 }' | sort -rn | cut -f2- > build/frameworks.txt
while IFS= read -r framework; do
  sign "$framework"
done < build/frameworks.txt
# The executable (the app and its training child) and the bundle, with the entitlements.
sign --entitlements "$entitlements" "$app/Contents/MacOS/LoRAStudio"
sign --entitlements "$entitlements" "$app"
codesign --verify --deep --strict --verbose=2 "$app"
codesign --display --entitlements - "$app"  # into the build log: what the app was granted

# --- 6. the self-test again, now under the hardened runtime ---------------------------
echo "== self-test of the signed app"
"$app/Contents/MacOS/LoRAStudio" --self-test "$PWD/build/selftest-signed.png"

# --- 7. notarize and staple --------------------------------------------------------------
json_field() {  # json_field FILE KEY: the value, or nothing when the file is not JSON
  "$py" -c 'import json, sys
try:
    print(json.load(open(sys.argv[1])).get(sys.argv[2], ""))
except (OSError, ValueError):
    pass' "$1" "$2"
}
notarize() {
  local file="$1" out status id
  out="build/notary-$(basename "$file" | tr ' ' '-').json"
  # --wait returns when Apple has decided; the JSON's status says what (Accepted, Invalid, ...).
  xcrun notarytool submit "$file" --keychain-profile "$profile" --wait --output-format json > "$out" \
    || echo "build_macos: notarytool submit exited with $?" >&2
  status="$(json_field "$out" status)"
  id="$(json_field "$out" id)"
  if [ "$status" != "Accepted" ]; then
    if [ -n "$id" ]; then
      xcrun notarytool log "$id" --keychain-profile "$profile" "build/notary-log-$id.json" || true
    fi
    die "notarization of $file: ${status:-no answer, see $out} (log: build/notary-log-$id.json; it names each unsigned or unhardened binary)"
  fi
  echo "notarized $file ($id)"
}
if [ -n "$profile" ]; then
  echo "== notarize the app"
  rm -f build/LoRAStudio-notarize.zip
  ditto -c -k --sequesterRsrc --keepParent "$app" build/LoRAStudio-notarize.zip
  notarize build/LoRAStudio-notarize.zip
  xcrun stapler staple "$app"
  xcrun stapler validate "$app"
  spctl --assess --type execute --verbose=4 "$app"
fi

# --- 8. the disk image -----------------------------------------------------------------------
echo "== dmg"
dmg="dist/LoRAStudio-$version-arm64.dmg"
rm -rf build/dmg "$dmg"
mkdir -p build/dmg
ditto "$app" "build/dmg/LoRA Studio.app"  # ditto keeps the bundle's symlinks and signatures
ln -s /Applications build/dmg/Applications
hdiutil create -quiet -volname "LoRA Studio $version" -srcfolder build/dmg -fs HFS+ -format UDZO -ov "$dmg"
if [ -n "$identity" ]; then
  codesign --force --timestamp --sign "$identity" "$dmg"
fi
if [ -n "$profile" ]; then
  echo "== notarize the dmg"
  notarize "$dmg"
  xcrun stapler staple "$dmg"
  spctl --assess --type open --context context:primary-signature --verbose=4 "$dmg"
fi

echo "done: $app ($(du -sh "$app" | cut -f1)), $dmg ($(du -sh "$dmg" | cut -f1))"
shasum -a 256 "$dmg"
