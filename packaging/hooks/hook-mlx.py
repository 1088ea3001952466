"""PyInstaller hook for mlx (a namespace package: no __init__.py).

- mlx.core's C extension imports two pure-Python helpers by name while it
  initialises; static analysis cannot see them, and without them the frozen
  app fails with "No module named 'mlx._reprlib_fix'".
- libmlx finds mlx.metallib (macOS) with dladdr() on itself and looks in the
  folder of the path it was loaded from, WITHOUT resolving symlinks. PyInstaller
  normally adds a top-level symlink to every collected library (and on macOS
  rewrites references to point at it), so libmlx would load from
  Contents/Frameworks/libmlx.dylib and look for Contents/Frameworks/mlx.metallib:
  "Failed to load the default metallib". Suppressing the symlinks for mlx/lib/
  keeps libmlx loading from mlx/lib/, beside the metallib.
- The metallib is data, not a Mach-O (it must not be code-signed as one); BUNDLE
  puts it in Contents/Resources/mlx/lib/ and links it into Contents/Frameworks/mlx/lib/,
  beside libmlx.dylib. include/ holds the headers MLX's CPU compiler uses at run time.
- The package metadata: run folders and the About box record MLX's version.
"""

from PyInstaller.utils.hooks import collect_data_files, collect_dynamic_libs, check_requirement, copy_metadata

hiddenimports = ["mlx._reprlib_fix", "mlx.__array_api_info"]
binaries = collect_dynamic_libs("mlx")
datas = collect_data_files("mlx", includes=["lib/*.metallib", "include/**/*"])
datas += copy_metadata("mlx")
for backend in ("mlx-metal", "mlx-cpu"):  # the library wheel of this platform
    if check_requirement(backend):
        datas += copy_metadata(backend)
bindepend_symlink_suppression = ["**/mlx/lib/*"]
