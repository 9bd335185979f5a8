"""Speed of the brand template renderer and its OCR read-back, per layout and aspect.

For every layout x aspect (24 images) this renders the ad with a real product photo
(a frame of the shared test footage) and a logo, then reads it back with RapidOCR, and
prints the render time, the OCR time and the match score. The OCR engine is loaded once
(as ``ctx.models`` keeps it warm in the tool) and that load time is printed separately.
Times are the median of ``--runs`` repetitions; on this workplace's shared 2-core
machines expect noise of +-30%.

Usage: python benchmarks/image_render.py [--runs 3] [--data /path/to/shared/data]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

import av  # noqa: E402

from adloom.tools.aspects import ASPECT_SIZES  # noqa: E402
from adloom.tools.image import TemplateRequest, load_text_reader, match_score, render_template  # noqa: E402
from adloom.tools.image.layouts import LAYOUTS  # noqa: E402

COLORS = ["#2B1B17", "#F5E6CC", "#D9822B"]
TEXTS = {
    "hero": {"headline": "Cold brew, done right.", "subline": "Steeped for 18 hours.", "cta": "Shop now",
             "price": "$3.49"},
    "split": {"headline": "Smooth. Bold. Yours.", "subline": "No added sugar, low acidity.", "cta": "Try it today"},
    "headline": {"headline": "18 hours of patience in every can.", "subline": "Northwind Cold Brew",
                 "cta": "Learn more"},
    "quote": {"headline": "The smoothest cold brew I have ever had.", "attribution": "Maya, Seattle"},
    "offer": {"headline": "Summer deal on cold brew", "price": "$3.49", "subline": "This week only.",
              "cta": "Grab yours"},
    "end_card": {"headline": "Good coffee, on the go.", "subline": "northwind.example", "cta": "Order now"},
}


def _photo(data: Path, folder: Path) -> Path:
    with av.open(str(data / "video" / "pyscenedetect" / "testvideo.mp4")) as container:
        for index, frame in enumerate(container.decode(video=0)):
            if index == 100:
                image = frame.to_image()
                break
    path = folder / "photo.jpg"
    image.crop((0, 0, image.width, int(image.height * 0.75))).save(path, quality=92)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", type=Path, default=REPO_ROOT.parent / "shared" / "data")
    args = parser.parse_args()

    started = time.perf_counter()
    reader = load_text_reader()
    print(f"OCR engine load: {time.perf_counter() - started:.2f} s")

    with tempfile.TemporaryDirectory() as tmp:
        photo = _photo(args.data, Path(tmp))
        logo = args.data / "brand" / "logos" / "pyscenedetect_logo.png"
        print(f"{'layout':9} {'aspect':6} {'render s':>9} {'ocr s':>7} {'match':>6}")
        renders, reads = [], []
        for layout in LAYOUTS:
            for aspect in ASPECT_SIZES:
                request = TemplateRequest(layout=layout, aspect=aspect, colors=COLORS, logo=str(logo),
                                          product_images=[str(photo)], **TEXTS[layout])
                render_times, ocr_times, score = [], [], 0.0
                for _ in range(args.runs):
                    t0 = time.perf_counter()
                    rendered = render_template(request)
                    t1 = time.perf_counter()
                    reading = reader.read(rendered.image)
                    t2 = time.perf_counter()
                    render_times.append(t1 - t0)
                    ocr_times.append(t2 - t1)
                    score = match_score(rendered.intended_text, reading.text)
                render_s, ocr_s = statistics.median(render_times), statistics.median(ocr_times)
                renders.append(render_s)
                reads.append(ocr_s)
                print(f"{layout:9} {aspect:6} {render_s:9.3f} {ocr_s:7.3f} {score:6.2f}")
    print(f"median over {len(renders)} images: render {statistics.median(renders):.3f} s, "
          f"OCR {statistics.median(reads):.3f} s, max render {max(renders):.3f} s, max OCR {max(reads):.3f} s")


if __name__ == "__main__":
    main()
