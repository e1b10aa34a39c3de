"""Speed of material uploads: the content checks alone, and the whole upload (HTTP body in,
checks, re-encoding, encryption, write, audit) against a throw-away backend on SQLite.

    .venv-backend/bin/python benchmarks/materials/run.py [-n 5]

Prints one line per kind of file: size, checks p50, upload p50 / max (ms). Figures, not a test.
"""
from __future__ import annotations

import argparse
import io
import random
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def photo(width: int, height: int) -> bytes:
    from PIL import Image

    rng = random.Random(width)
    # a photo-like picture: smooth gradients plus noise (JPEG compresses it like a real photo)
    img = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    noise = Image.frombytes("L", (width // 4, height // 4), bytes(rng.randrange(256) for _ in range(width * height // 16)))
    img = Image.blend(img, noise.resize((width, height)).convert("RGB"), 0.3)
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=90)
    return out.getvalue()


def pdf(pages: int) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=5, help="repetitions per file")
    args = parser.parse_args()

    from fastapi.testclient import TestClient

    from backend.app.app_factory import create_app
    from backend.app.core.config import Settings
    from backend.app.materials import inspect
    from backend.app.migrations import upgrade
    from knowledge import load_kb
    from knowledge.materials import material_id
    from tests.backend import factories

    files = {
        "JPEG 1 MP": photo(1200, 900),
        "JPEG 3 MP": photo(2000, 1500),
        "JPEG 12 MP": photo(4000, 3000),
        "PDF 1 page": pdf(1),
        "PDF 200 pages": pdf(200),
    }
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        settings = Settings(_env_file=None, APP_ENV="test", DATABASE_URL=url, SERVICE_TOKEN="bench-service",
                            DATA_ENCRYPTION_KEY="bench-data-key-" + "x" * 20, LOOKUP_HMAC_KEY="bench-hmac-" + "y" * 20,
                            MATERIALS_DIR=Path(tmp) / "materials", MATERIAL_MAX_BYTES=30 * 1024 * 1024)
        with TestClient(create_app(settings)) as client:
            key = secrets.token_hex(8)
            body = factories.unemployment_body()
            case = client.post("/api/v1/cases", json=body,
                               headers={"Authorization": "Bearer bench-service", "Idempotency-Key": key}).json()
            token = client.post(f"/api/v1/cases/{case['case_number']}/upload-token", json={"idempotency_key": key},
                                headers={"Authorization": "Bearer bench-service"}).json()["upload_token"]
            kb = load_kb()
            mid = material_id(kb.materials_checklist([i["item_id"] for i in case["items"]])[0].material)
            print(f"{'file':<15}{'size':>10}{'checks p50':>13}{'upload p50':>13}{'upload max':>13}   (ms, n={args.n})")
            for name, data in files.items():
                checks, uploads = [], []
                for i in range(args.n):
                    t0 = time.perf_counter()
                    inspect.accept(data)
                    checks.append((time.perf_counter() - t0) * 1000)
                    t0 = time.perf_counter()  # the same bytes again are checked and encrypted again, stored once
                    r = client.put(f"/api/v1/uploads/materials/{mid}", content=data, headers={"X-Upload-Token": token})
                    uploads.append((time.perf_counter() - t0) * 1000)
                    assert r.status_code in (200, 201), r.text
                print(f"{name:<15}{len(data) / 1024:>8.0f}kB{statistics.median(checks):>13.1f}"
                      f"{statistics.median(uploads):>13.1f}{max(uploads):>13.1f}")


if __name__ == "__main__":
    main()
