"""Ingest speed: native payload parsed + extracted, messages per second on one core, per channel.

    python bench/ingest.py --messages 300

Each channel's payloads are built in its real format (raw MIME, X API v2 JSON, Meta webhooks,
Mastodon statuses, OCR letters, call records, forms, chats, reviews) around the 301 texts of
the extraction corpus, so no two messages in a run are alike (the sentence-embedding cache is
cleared before each channel). Times are CPU seconds of this process (`time.process_time`),
i.e. per core. Peak memory is this process's maximum resident set size with every model loaded,
which is what one ingest process holds.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from services.ingest import channels
from services.ingest.extraction import _encoder, analyse, analyse_many, warm_up
from services.ingest.interactions.schemas import InteractionCreate

CORPUS = Path(__file__).parent / "data" / "extraction_corpus.jsonl"


def texts() -> list[dict[str, Any]]:
    return [json.loads(line)["item"] for line in CORPUS.read_text().splitlines() if line.strip()]


def _author(item: dict[str, Any]) -> dict[str, Any]:
    return item.get("author") or {}


def email(i: int, item: dict[str, Any]) -> bytes:
    msg = EmailMessage()
    author = _author(item)
    name = author.get("name") or "Kunde"
    msg["From"] = f"{name} <{author.get('email') or f'kunde{i}@example.de'}>"
    msg["To"] = "service@example.de"
    msg["Subject"] = item.get("subject") or "Anfrage"
    msg["Message-ID"] = f"<bench-{i}@example.de>"
    msg["Date"] = "Mon, 06 Oct 2025 10:12:00 +0200"
    body = item["text"] + "\n\nMit freundlichen Grüßen\n" + name
    body += "\n\nAm 05.10.2025 um 09:00 schrieb Service <service@example.de>:\n> Ihre Anfrage"
    msg.set_content(body)
    msg.add_alternative(f"<html><body><p>{item['text']}</p></body></html>", subtype="html")
    return msg.as_bytes()


def twitter(i: int, item: dict[str, Any]) -> bytes:
    handle = (_author(item).get("handle") or f"user{i}").lstrip("@")
    return json.dumps(
        {
            "data": {
                "id": str(10**18 + i),
                "text": item["text"][:280],
                "author_id": str(i),
                "created_at": "2025-10-06T08:00:00.000Z",
                "conversation_id": str(10**18 + i),
                "lang": "de",
                "public_metrics": {
                    "retweet_count": 3,
                    "reply_count": 1,
                    "like_count": 9,
                    "quote_count": 0,
                },
            },
            "includes": {
                "users": [
                    {
                        "id": str(i),
                        "name": _author(item).get("name") or handle,
                        "username": handle,
                        "public_metrics": {"followers_count": 100 + i, "following_count": 50},
                    }
                ]
            },
        }
    ).encode()


def facebook(i: int, item: dict[str, Any]) -> bytes:
    return json.dumps(
        {
            "object": "page",
            "entry": [
                {
                    "id": "1234567890",
                    "time": 1759737600,
                    "changes": [
                        {
                            "field": "feed",
                            "value": {
                                "item": "comment",
                                "verb": "add",
                                "comment_id": f"111_{i}",
                                "post_id": "1234567890_1",
                                "created_time": 1759737600,
                                "from": {
                                    "id": str(i),
                                    "name": _author(item).get("name") or "Kunde",
                                },
                                "message": item["text"],
                            },
                        }
                    ],
                }
            ],
        }
    ).encode()


def mastodon(i: int, item: dict[str, Any]) -> bytes:
    return json.dumps(
        {
            "id": str(i),
            "uri": f"https://social.example/users/u{i}/statuses/{i}",
            "url": f"https://social.example/@u{i}/{i}",
            "created_at": "2025-10-06T08:00:00.000Z",
            "content": f"<p>{item['text']}</p>",
            "visibility": "public",
            "language": "de",
            "favourites_count": 2,
            "reblogs_count": 1,
            "replies_count": 0,
            "account": {
                "id": str(i),
                "acct": f"u{i}@social.example",
                "username": f"u{i}",
                "display_name": _author(item).get("name") or "",
                "followers_count": 120,
                "following_count": 80,
                "statuses_count": 400,
                "url": f"https://social.example/@u{i}",
            },
            "mentions": [],
            "tags": [],
        }
    ).encode()


def letter(i: int, item: dict[str, Any]) -> bytes:
    name = _author(item).get("name") or "Erika Mustermann"
    text = (
        f"{name}\nLindenallee 14\n50968 Köln\n\nSehr geehrte Damen und Herren,\n\n"
        f"{item['text']}\n\nMit freundlichen Grüßen\n{name}"
    )
    return json.dumps(
        {"text": text, "received_at": "2025-10-06T08:00:00Z", "scan_id": f"scan-{i}"}
    ).encode()


def webform(i: int, item: dict[str, Any]) -> bytes:
    return json.dumps(
        {
            "form_id": "kontakt",
            "submission_id": f"sub-{i}",
            "submitted_at": "2025-10-06T08:00:00Z",
            "fields": {
                "name": _author(item).get("name") or "Kunde",
                "email": f"kunde{i}@example.de",
                "nachricht": item["text"],
            },
        }
    ).encode()


def chat(i: int, item: dict[str, Any]) -> bytes:
    return json.dumps(
        {
            "chat_id": f"chat-{i}",
            "started_at": "2025-10-06T08:00:00Z",
            "visitor": {"name": _author(item).get("name") or "Gast"},
            "messages": [
                {"from": "bot", "text": "Wie kann ich helfen?", "at": "2025-10-06T08:00:01Z"},
                {"from": "customer", "text": item["text"], "at": "2025-10-06T08:00:20Z"},
            ],
        }
    ).encode()


def phone(i: int, item: dict[str, Any]) -> bytes:
    return json.dumps(
        {
            "call_id": f"call-{i}",
            "caller": "+4922155501" + str(i % 100).zfill(2),
            "callee": "+498001234567",
            "started_at": "2025-10-06T08:00:00Z",
            "duration_seconds": 240,
            "ivr_path": ["de", "technik"],
            "direction": "inbound",
            "transcript": item["text"],
        }
    ).encode()


def review(i: int, item: dict[str, Any]) -> bytes:
    return json.dumps(
        {
            "id": f"rev-{i}",
            "site": "bewertungen.example",
            "rating": 1 + i % 5,
            "title": "Erfahrung",
            "text": item["text"],
            "author": {"name": _author(item).get("name") or "Anonym"},
            "created_at": "2025-10-06T08:00:00Z",
        }
    ).encode()


Parser = Callable[[bytes], list[InteractionCreate]]
CHANNELS: dict[str, tuple[Callable[[int, dict[str, Any]], bytes], Parser]] = {
    "email": (email, lambda b: [channels.parse_email(b)]),
    "twitter": (twitter, channels.parse_twitter),
    "facebook": (facebook, lambda b: channels.parse_meta(b, network="facebook")),
    "mastodon": (mastodon, channels.parse_mastodon),
    "letter": (letter, lambda b: [channels.parse_letter(b)]),
    "webform": (webform, lambda b: [channels.parse_webform(b)]),
    "chat": (chat, lambda b: [channels.parse_chat(b)]),
    "phone": (phone, lambda b: [channels.parse_phone(b)]),
    "review": (review, lambda b: [channels.parse_review(b)]),
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=300, help="per channel")
    parser.add_argument("--batch", type=int, default=32, help="stream chunk size")
    args = parser.parse_args()
    corpus = texts()
    started = time.perf_counter()
    warm_up()
    loaded = time.perf_counter() - started
    print(
        f"settings: {args.messages} messages per channel, batch {args.batch}; models {loaded:.1f} s"
    )
    print(
        f"{'channel':10s} {'msg/s/core':>10s} {'parse ms':>9s} {'extract ms':>10s}"
        f" {'batched msg/s/core':>19s}"
    )
    for name, (build, parse) in CHANNELS.items():
        payloads = [build(i, corpus[i % len(corpus)]) for i in range(args.messages)]
        _encoder._cached.cache_clear()
        parse_s = extract_s = 0.0
        parsed: list[InteractionCreate] = []
        for payload in payloads:
            t0 = time.process_time()
            items = parse(payload)
            t1 = time.process_time()
            for item in items:
                analyse(item)
            t2 = time.process_time()
            parse_s += t1 - t0
            extract_s += t2 - t1
            parsed.extend(items)
        count = len(parsed)
        # Stream chunks and batch posts run the models once per chunk (`analyse_many`).
        _encoder._cached.cache_clear()
        t0 = time.process_time()
        for start in range(0, count, args.batch):
            analyse_many(parsed[start : start + args.batch])
        batched = count / (parse_s + time.process_time() - t0)
        print(
            f"{name:10s} {count / (parse_s + extract_s):10.0f} {parse_s / count * 1000:9.2f} "
            f"{extract_s / count * 1000:10.2f} {batched:19.0f}"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS) of this ingest process: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
