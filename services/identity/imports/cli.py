"""`python -m services.identity import FILE --url URL --key KEY`: stream a file, follow the job.
After a failed job, `--resume JOB_ID` with the same file goes on after the rows it committed.

Standard library only (a progress bar on stderr; tqdm is not needed)."""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import time
import urllib.parse
from pathlib import Path

CHUNK = 1 << 20


def _bar(done: float, text: str) -> None:
    width = 30
    filled = int(width * min(max(done, 0.0), 1.0))
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done:6.1%} {text}   ")
    sys.stderr.flush()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.identity import")
    parser.add_argument("file", type=Path, help="CSV (.csv) or NDJSON (.ndjson/.jsonl)")
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="gateway URL")
    parser.add_argument("--key", required=True, help="API key")
    parser.add_argument("--on-existing", choices=("update", "reject"), default="update")
    parser.add_argument("--resume", metavar="JOB_ID", help="a failed import job of this file")
    args = parser.parse_args(argv)
    media = "text/csv" if args.file.suffix.lower() == ".csv" else "application/x-ndjson"
    size = args.file.stat().st_size
    url = urllib.parse.urlsplit(args.url)
    conn_class = (
        http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
    )
    conn = conn_class(url.netloc, timeout=600)
    headers = {"Authorization": f"Bearer {args.key}", "Content-Type": media}
    query = urllib.parse.urlencode(
        {"on_existing": args.on_existing, **({"resume": args.resume} if args.resume else {})}
    )
    conn.putrequest("POST", f"{url.path.rstrip('/')}/v1/customers/import?{query}")
    for k, v in {**headers, "Content-Length": str(size)}.items():
        conn.putheader(k, v)
    conn.endheaders()
    sent = 0
    with args.file.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            conn.send(chunk)
            sent += len(chunk)
            _bar(sent / size if size else 1.0, "uploading")
    response = conn.getresponse()
    body = json.loads(response.read() or b"{}")
    if response.status != 202:
        sys.stderr.write(f"\n{response.status}: {json.dumps(body, ensure_ascii=False)}\n")
        return 1
    job_id = body["id"]
    while True:
        conn.request("GET", f"{url.path.rstrip('/')}/v1/jobs/{job_id}", headers=headers)
        job = json.loads(conn.getresponse().read())
        _bar(
            job["progress"],
            f"{job['state']}: {job['rows_imported']} imported, {job['rows_rejected']} rejected",
        )
        if job["state"] in ("succeeded", "failed"):
            break
        time.sleep(0.5)
    sys.stderr.write("\n")
    for error in job["errors"][:20]:
        sys.stderr.write(f"row {error['row']}: {error['field']}: {error['message']}\n")
    print(
        json.dumps(
            {
                k: job[k]
                for k in (
                    "id",
                    "state",
                    "rows_read",
                    "rows_imported",
                    "rows_rejected",
                    "result",
                    "detail",
                )
            }
        )
    )
    return 0 if job["state"] == "succeeded" else 1
