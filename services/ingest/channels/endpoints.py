"""Native channel formats in: each is parsed by its adapter, then stored like any interaction."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Query, Request, Response, status

from services.ingest.channels import (
    parse_chat,
    parse_email,
    parse_letter,
    parse_mastodon,
    parse_meta,
    parse_phone,
    parse_review,
    parse_twitter,
    parse_webform,
    repository,
    verify_challenge,
    verify_signature,
)
from services.ingest.channels.schemas import (
    ChannelAccepted,
    MetaConfigIn,
    MetaConfigOut,
    MetaNetwork,
)
from services.ingest.interactions import service
from services.ingest.interactions.schemas import InteractionCreate
from shared import PROBLEM_RESPONSES, CorrelationDep, Forbidden, SessionDep, TenantDep

router = APIRouter(prefix="/v1/channels", tags=["channels"], responses=PROBLEM_RESPONSES)


async def _store(
    session: SessionDep, tenant_id: TenantDep, correlation_id: str, items: list[InteractionCreate]
) -> ChannelAccepted:
    results = await service.receive_many(
        session, tenant_id=tenant_id, items=items, correlation_id=correlation_id
    )
    return ChannelAccepted(
        accepted=sum(not r.duplicate for r in results),
        duplicates=sum(r.duplicate for r in results),
        items=results,
    )


@router.post(
    "/email",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ChannelAccepted,
    openapi_extra={"requestBody": {"content": {"message/rfc822": {"schema": {"type": "string"}}}}},
)
async def email(
    request: Request, session: SessionDep, tenant_id: TenantDep, correlation_id: CorrelationDep
) -> ChannelAccepted:
    """A raw MIME message (`Content-Type: message/rfc822`)."""
    item = parse_email(await request.body())
    return await _store(session, tenant_id, correlation_id, [item])


@router.post("/twitter", status_code=status.HTTP_202_ACCEPTED, response_model=ChannelAccepted)
async def twitter(
    request: Request, session: SessionDep, tenant_id: TenantDep, correlation_id: CorrelationDep
) -> ChannelAccepted:
    """X API v2 tweet payloads (`data` + `includes.users`), single or filtered-stream lines."""
    return await _store(session, tenant_id, correlation_id, parse_twitter(await request.body()))


@router.post("/mastodon", status_code=status.HTTP_202_ACCEPTED, response_model=ChannelAccepted)
async def mastodon(
    request: Request, session: SessionDep, tenant_id: TenantDep, correlation_id: CorrelationDep
) -> ChannelAccepted:
    """Mastodon Status entities (one or a list)."""
    return await _store(session, tenant_id, correlation_id, parse_mastodon(await request.body()))


def _single(parser: Callable[[bytes], InteractionCreate], doc: str) -> None:
    name = parser.__name__.removeprefix("parse_")

    async def endpoint(
        request: Request, session: SessionDep, tenant_id: TenantDep, correlation_id: CorrelationDep
    ) -> ChannelAccepted:
        return await _store(session, tenant_id, correlation_id, [parser(await request.body())])

    endpoint.__doc__ = doc
    endpoint.__name__ = f"channel_{name}"
    router.add_api_route(
        f"/{name}",
        endpoint,
        methods=["POST"],
        status_code=status.HTTP_202_ACCEPTED,
        response_model=ChannelAccepted,
    )


_single(parse_letter, "Scanned-letter text (OCR output) with metadata.")
_single(parse_phone, "A call record with caller number, duration, IVR path and transcript.")
_single(parse_webform, "A web form submission.")
_single(parse_chat, "A chat transcript.")
_single(parse_review, "A review from a review site (rating, text, author).")


@router.put("/{network}/config", response_model=MetaConfigOut)
async def configure_meta(
    network: MetaNetwork, data: MetaConfigIn, session: SessionDep, tenant_id: TenantDep
) -> MetaConfigOut:
    """The Meta app secret (verifies `X-Hub-Signature-256`) and the handshake's verify token."""
    await repository.put(session, tenant_id=tenant_id, channel=network, settings=data.model_dump())
    return MetaConfigOut(network=network, configured=True)


async def _meta_settings(session: SessionDep, tenant_id: TenantDep, network: str) -> dict[str, str]:
    settings = await repository.get(session, tenant_id=tenant_id, channel=network)
    if not settings:
        raise Forbidden(f"{network} webhooks are not configured for this tenant.")
    return settings


@router.get("/{network}", response_class=Response)
async def meta_handshake(
    network: MetaNetwork,
    session: SessionDep,
    tenant_id: TenantDep,
    hub_mode: str | None = Query(default=None, alias="hub.mode"),
    hub_verify_token: str | None = Query(default=None, alias="hub.verify_token"),
    hub_challenge: str | None = Query(default=None, alias="hub.challenge"),
) -> Response:
    """Meta's subscription handshake: echo `hub.challenge` when the verify token matches."""
    settings = await _meta_settings(session, tenant_id, network)
    challenge = verify_challenge(
        hub_mode, hub_verify_token, hub_challenge, settings["verify_token"]
    )
    return Response(challenge, media_type="text/plain")


@router.post("/{network}", status_code=status.HTTP_202_ACCEPTED, response_model=ChannelAccepted)
async def meta_webhook(
    network: MetaNetwork,
    request: Request,
    session: SessionDep,
    tenant_id: TenantDep,
    correlation_id: CorrelationDep,
) -> ChannelAccepted:
    """A Meta Graph webhook, rejected unless `X-Hub-Signature-256` matches the app secret."""
    body = await request.body()
    settings = await _meta_settings(session, tenant_id, network)
    verify_signature(body, request.headers.get("x-hub-signature-256"), settings["app_secret"])
    return await _store(session, tenant_id, correlation_id, parse_meta(body, network=network))
