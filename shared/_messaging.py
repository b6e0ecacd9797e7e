"""Brokers: RabbitMQ (aio-pika) for deployments, in-memory for the embedded mode and tests.

Both give the same delivery semantics to a consumer: manual ack after the handler's commit,
retries with growing delays, and a dead letter after the last attempt.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import re
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractIncomingMessage,
    AbstractRobustConnection,
)

from ._logging import get_logger

__all__ = [
    "Broker",
    "MemoryBroker",
    "MessageHandler",
    "Outcome",
    "OutgoingMessage",
    "RabbitBroker",
]

log = get_logger("shared.messaging")


class Outcome(enum.Enum):
    """What the broker does with a delivered message after the handler ran."""

    ACK = "ack"  # done (or a duplicate); forget it
    RETRY = "retry"  # failed; deliver again later with attempt + 1
    REJECT = "reject"  # give up; the broker's dead-letter queue keeps it
    REQUEUE = "requeue"  # could not even decide (e.g. database down); redeliver now


@dataclass(frozen=True)
class OutgoingMessage:
    routing_key: str
    body: bytes
    message_id: str
    correlation_id: str | None = None
    headers: dict[str, Any] = field(default_factory=dict)


MessageHandler = Callable[[bytes, dict[str, Any], int], Awaitable[Outcome]]


def _topic_regex(pattern: str) -> re.Pattern[str]:
    parts = []
    for word in pattern.split("."):
        if word == "#":
            parts.append(r"[^.]*(?:\.[^.]*)*")
        elif word == "*":
            parts.append(r"[^.]+")
        else:
            parts.append(re.escape(word))
    return re.compile(r"\.".join(parts).replace(r"\.[^.]*(?:\.[^.]*)*", r"(?:\.[^.]+)*") + "$")


class Broker(ABC):
    """Publish with confirmation; consume with at-least-once delivery."""

    retry_delays_ms: tuple[int, ...]

    @abstractmethod
    async def start(self) -> None: ...

    @abstractmethod
    async def publish(self, messages: Sequence[OutgoingMessage]) -> None:
        """Return only once every message is safely routed; raise otherwise."""

    @abstractmethod
    async def consume(
        self, queue: str, bindings: Sequence[str], handler: MessageHandler, *, prefetch: int
    ) -> None:
        """Declare the queue with its retry and dead-letter queues, and start consuming."""

    @abstractmethod
    async def ping(self) -> bool: ...

    @abstractmethod
    async def close(self) -> None: ...

    def delay_for(self, attempt: int) -> int:
        """Delay before delivery number `attempt + 1`."""
        return self.retry_delays_ms[min(attempt - 1, len(self.retry_delays_ms) - 1)]


class RabbitBroker(Broker):
    """RabbitMQ with a durable topic exchange and quorum queues per consumer."""

    def __init__(
        self,
        url: str,
        *,
        exchange: str = "resonance",
        retry_delays_ms: tuple[int, ...] = (1_000, 5_000, 30_000),
        delivery_limit: int = 10,
        publish_window: int = 200,
    ) -> None:
        self._url = url
        self._exchange_name = exchange
        self.retry_delays_ms = retry_delays_ms
        self._delivery_limit = delivery_limit
        self._window = asyncio.Semaphore(publish_window)
        self._connection: AbstractRobustConnection | None = None
        self._publish_channel: AbstractChannel | None = None
        self._exchange: AbstractExchange | None = None
        self._consume_channels: list[AbstractChannel] = []

    async def start(self) -> None:
        if self._connection is not None:
            return
        self._connection = await aio_pika.connect_robust(self._url, timeout=10)
        self._publish_channel = await self._connection.channel(
            publisher_confirms=True, on_return_raises=True
        )
        unrouted = await self._publish_channel.declare_exchange(
            f"{self._exchange_name}.unrouted", aio_pika.ExchangeType.FANOUT, durable=True
        )
        # Events no consumer subscribes to yet are parked, bounded, instead of being returned.
        unrouted_queue = await self._publish_channel.declare_queue(
            f"{self._exchange_name}.unrouted",
            durable=True,
            arguments={"x-max-length": 100_000, "x-overflow": "drop-head"},
        )
        await unrouted_queue.bind(unrouted)
        self._exchange = await self._publish_channel.declare_exchange(
            self._exchange_name,
            aio_pika.ExchangeType.TOPIC,
            durable=True,
            arguments={"alternate-exchange": f"{self._exchange_name}.unrouted"},
        )

    def _message(self, m: OutgoingMessage) -> aio_pika.Message:
        return aio_pika.Message(
            m.body,
            content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=m.message_id,
            correlation_id=m.correlation_id,
            type=m.routing_key,
            headers=m.headers or None,
        )

    async def _publish_one(self, exchange: AbstractExchange, m: OutgoingMessage) -> None:
        async with self._window:
            await exchange.publish(self._message(m), routing_key=m.routing_key, mandatory=True)

    async def publish(self, messages: Sequence[OutgoingMessage]) -> None:
        assert self._exchange is not None, "broker not started"
        await asyncio.gather(*(self._publish_one(self._exchange, m) for m in messages))

    async def _publish_default(self, m: OutgoingMessage) -> None:
        assert self._publish_channel is not None
        await self._publish_one(self._publish_channel.default_exchange, m)

    async def consume(
        self, queue: str, bindings: Sequence[str], handler: MessageHandler, *, prefetch: int
    ) -> None:
        assert self._connection is not None and self._exchange is not None
        # Queues carry the exchange's name, so several installations can share one broker.
        queue = f"{self._exchange_name}.{queue}"
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=prefetch)
        self._consume_channels.append(channel)
        quorum = {"x-queue-type": "quorum"}
        safe_dead_lettering = {
            "x-dead-letter-exchange": "",
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        }
        await channel.declare_queue(f"{queue}.dlq", durable=True, arguments=quorum)
        for delay in sorted(set(self.retry_delays_ms)):
            await channel.declare_queue(
                f"{queue}.retry.{delay}",
                durable=True,
                arguments={
                    **quorum,
                    **safe_dead_lettering,
                    "x-message-ttl": delay,
                    "x-dead-letter-routing-key": queue,
                },
            )
        main = await channel.declare_queue(
            queue,
            durable=True,
            arguments={
                **quorum,
                **safe_dead_lettering,
                "x-delivery-limit": self._delivery_limit,
                "x-dead-letter-routing-key": f"{queue}.dlq",
            },
        )
        exchange = await channel.get_exchange(self._exchange_name)
        for key in bindings:
            await main.bind(exchange, routing_key=key)

        async def on_message(message: AbstractIncomingMessage) -> None:
            headers = dict(message.headers or {})
            attempt = int(str(headers.get("x-attempt", 1)))
            try:
                outcome = await handler(message.body, headers, attempt)
            except Exception:
                log.exception("messaging.handler.crashed", queue=queue)
                outcome = Outcome.REQUEUE
            if outcome is Outcome.RETRY:
                delay = self.delay_for(attempt)
                try:
                    await self._publish_default(
                        OutgoingMessage(
                            routing_key=f"{queue}.retry.{delay}",
                            body=message.body,
                            message_id=message.message_id or "",
                            correlation_id=message.correlation_id,
                            headers={**headers, "x-attempt": attempt + 1},
                        )
                    )
                    await message.ack()
                except Exception:
                    log.exception("messaging.retry.publish_failed", queue=queue)
                    await message.nack(requeue=True)
            elif outcome is Outcome.ACK:
                await message.ack()
            elif outcome is Outcome.REJECT:
                await message.reject(requeue=False)
            else:
                await asyncio.sleep(0.5)
                await message.nack(requeue=True)

        await main.consume(on_message)

    async def ping(self) -> bool:
        return self._connection is not None and not self._connection.is_closed

    async def close(self) -> None:
        for channel in self._consume_channels:
            with contextlib.suppress(Exception):
                await channel.close()
        if self._connection is not None:
            await self._connection.close()
            self._connection = None


@dataclass
class _MemoryQueue:
    name: str
    patterns: list[re.Pattern[str]]
    handler: MessageHandler
    items: asyncio.Queue[tuple[bytes, dict[str, Any], int]]
    workers: list[asyncio.Task[None]]


class MemoryBroker(Broker):
    """An in-process broker with the same ack/retry/dead-letter semantics, for the embedded mode.

    Messages live in memory: the outbox in PostgreSQL is what makes publishing durable.
    """

    def __init__(self, *, retry_delays_ms: tuple[int, ...] = (1_000, 5_000, 30_000)) -> None:
        self.retry_delays_ms = retry_delays_ms
        self._queues: dict[str, _MemoryQueue] = {}
        self.dead_letters: dict[str, list[tuple[bytes, dict[str, Any]]]] = {}
        self.unrouted: deque[OutgoingMessage] = deque(maxlen=10_000)
        self._timers: set[asyncio.TimerHandle] = set()
        self._closed = False

    async def start(self) -> None:
        self._closed = False

    async def publish(self, messages: Sequence[OutgoingMessage]) -> None:
        for m in messages:
            routed = False
            for q in self._queues.values():
                if any(p.match(m.routing_key) for p in q.patterns):
                    q.items.put_nowait((m.body, dict(m.headers), 1))
                    routed = True
            if not routed:
                self.unrouted.append(m)

    async def consume(
        self, queue: str, bindings: Sequence[str], handler: MessageHandler, *, prefetch: int
    ) -> None:
        q = _MemoryQueue(
            name=queue,
            patterns=[_topic_regex(b) for b in bindings],
            handler=handler,
            items=asyncio.Queue(),
            workers=[],
        )
        self._queues[queue] = q
        self.dead_letters.setdefault(queue, [])
        q.workers = [
            asyncio.create_task(self._work(q), name=f"memory-consumer:{queue}:{i}")
            for i in range(max(1, min(prefetch, 16)))
        ]

    async def _work(self, q: _MemoryQueue) -> None:
        loop = asyncio.get_running_loop()
        while True:
            body, headers, attempt = await q.items.get()
            try:
                outcome = await q.handler(body, headers, attempt)
            except Exception:
                log.exception("messaging.handler.crashed", queue=q.name)
                outcome = Outcome.REQUEUE
            if outcome is Outcome.RETRY:
                item = (body, {**headers, "x-attempt": attempt + 1}, attempt + 1)
                timer = loop.call_later(self.delay_for(attempt) / 1000, q.items.put_nowait, item)
                self._timers.add(timer)
            elif outcome is Outcome.REJECT:
                self.dead_letters[q.name].append((body, headers))
            elif outcome is Outcome.REQUEUE:
                await asyncio.sleep(0.5)
                q.items.put_nowait((body, headers, attempt))

    async def ping(self) -> bool:
        return not self._closed

    async def close(self) -> None:
        self._closed = True
        for timer in self._timers:
            timer.cancel()
        for q in self._queues.values():
            for w in q.workers:
                w.cancel()
        for q in self._queues.values():
            for w in q.workers:
                with contextlib.suppress(asyncio.CancelledError):
                    await w
        self._queues.clear()

    def pending(self) -> int:
        """Messages waiting in every queue (for tests and the embedded runner)."""
        return sum(q.items.qsize() for q in self._queues.values())
