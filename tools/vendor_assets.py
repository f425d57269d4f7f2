"""Regenerate the JavaScript/CSS the web app serves from ``web/static/vendor/`` (no CDN at run time).

- ``vega-bundle.js``: Vega, Vega-Lite and Vega-Embed from the installed ``vl-convert-python`` package
  (``vl_convert.javascript_bundle()``), exposing ``vegaEmbed``, ``vegaLite`` and ``vega`` on ``window``.
- ``swagger-ui/``: Swagger UI's bundle and stylesheet from the npm package ``swagger-ui-dist`` (``npm pack``),
  for the OpenAPI page at ``/docs``.
- ``svg-pan-zoom/``: pan and zoom of the body maps (npm ``svg-pan-zoom``, BSD-2-Clause), its minified build and
  licence.
- ``tests/e2e/vendor/axe-core/``: the accessibility checker the browser tests inject into every page (npm
  ``axe-core``, MPL-2.0), for the tests only: the app never serves it.

Run: ``.venv/bin/python tools/vendor_assets.py [--skip-swagger]``.
"""

from __future__ import annotations

import argparse
import subprocess
import tarfile
import tempfile
from pathlib import Path

VENDOR = Path(__file__).resolve().parents[1] / "src" / "neurectomy" / "web" / "static" / "vendor"
SWAGGER_VERSION = "5.17.14"
SWAGGER_FILES = ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png", "LICENSE")
PANZOOM_VERSION = "3.6.2"
PANZOOM_FILES = {"dist/svg-pan-zoom.min.js": "svg-pan-zoom.min.js", "LICENSE": "LICENSE"}
AXE_VERSION = "4.10.2"
AXE_FILES = {"axe.min.js": "axe.min.js", "LICENSE": "LICENSE"}
AXE_DIR = Path(__file__).resolve().parents[1] / "tests" / "e2e" / "vendor" / "axe-core"


def vendor_vega() -> Path:
    """Write the Vega/Vega-Lite/Vega-Embed bundle."""
    import vl_convert

    out = VENDOR / "vega-bundle.js"
    header = (
        f"/* Vega, Vega-Lite and Vega-Embed bundled by vl-convert-python {vl_convert.__version__} "
        "(BSD-3-Clause); regenerate with tools/vendor_assets.py */\n"
    )
    out.write_text(header + vl_convert.javascript_bundle(), encoding="utf-8")
    return out


def _npm_files(package: str, version: str, files: dict[str, str], out: Path) -> Path:
    """Copy ``files`` (path in the npm tarball -> name in ``out``) from a package the npm registry serves."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["npm", "pack", f"{package}@{version}", "--silent"], cwd=tmp, check=True, capture_output=True)
        tarball = next(Path(tmp).glob("*.tgz"))
        with tarfile.open(tarball) as tar:
            for name, target in files.items():
                member = tar.extractfile(f"package/{name}")
                if member is not None:
                    (out / target).write_bytes(member.read())
    return out


def vendor_panzoom(version: str = PANZOOM_VERSION) -> Path:
    """svg-pan-zoom's minified build and licence, for the body maps' pan and zoom."""
    return _npm_files("svg-pan-zoom", version, PANZOOM_FILES, VENDOR / "svg-pan-zoom")


def vendor_axe(version: str = AXE_VERSION) -> Path:
    """axe-core for the browser tests' accessibility check (tests/e2e/test_a11y.py)."""
    return _npm_files("axe-core", version, AXE_FILES, AXE_DIR)


def vendor_swagger(version: str = SWAGGER_VERSION) -> Path:
    """Unpack Swagger UI's dist files from the npm registry's tarball."""
    out = VENDOR / "swagger-ui"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            ["npm", "pack", f"swagger-ui-dist@{version}", "--silent"], cwd=tmp, check=True, capture_output=True
        )
        tarball = next(Path(tmp).glob("swagger-ui-dist-*.tgz"))
        with tarfile.open(tarball) as tar:
            for name in SWAGGER_FILES:
                member = tar.extractfile(f"package/{name}")
                if member is not None:
                    (out / name).write_bytes(member.read())
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-swagger", action="store_true", help="only regenerate the Vega bundle")
    args = parser.parse_args()
    VENDOR.mkdir(parents=True, exist_ok=True)
    print(f"wrote {vendor_vega()}")
    if not args.skip_swagger:
        print(f"wrote {vendor_swagger()}")
        print(f"wrote {vendor_panzoom()}")
        print(f"wrote {vendor_axe()}")


if __name__ == "__main__":
    main()
