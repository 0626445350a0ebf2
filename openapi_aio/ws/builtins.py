"""The built-in methods of every websocket endpoint: ``subscribe``, ``unsubscribe``, ``publish``.

Their payloads, defaults and answers are aio-openapi's (docs/websockets.md, "Built-in methods"):
no event is ``*`` to subscribe and unsubscribe, and the empty event name to publish; subscribe
and unsubscribe answer ``{"subscribed": {channel: [patterns]}}``; publish answers what it
published. The channel's rules (declared, scopes, ``authorize``) and the per-client caps are
checked here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from openapi_aio.errors import BadRequest, Conflict, Forbidden, NotFound, RequestValidationError
from openapi_aio.ws.hub import is_pattern

if TYPE_CHECKING:
    from openapi_aio.ws.endpoint import Channel
    from openapi_aio.ws.peer import Peer

__all__ = ["BUILT_IN", "allow", "channel_of", "make_room", "where"]


def channel_of(peer: Peer, payload: Any, action: str) -> tuple[Channel, str | None]:
    """The declared channel and the event of a built-in call's payload. No event (or ``""``)
    is ``*`` to subscribe and unsubscribe, and ``None`` to publish (aio-openapi's defaults)."""
    if not isinstance(payload, Mapping) or not isinstance(payload.get("channel"), str):
        raise BadRequest(detail=f'{action} needs a payload {{"channel": ..., "event": ...}}')
    channel = peer.endpoint.channels.get(payload["channel"])
    if channel is None:
        known = ", ".join(sorted(peer.endpoint.channels)) or "none"
        raise NotFound(detail=f"no channel {payload['channel']!r} (known: {known})")
    event = payload.get("event")
    if event is not None and not isinstance(event, str):
        raise BadRequest(detail='"event" must be a string (a glob pattern to subscribe)')
    if not event and action != "publish":
        event = "*"
    if event and len(event) > peer.endpoint.max_pattern_length:
        raise BadRequest(
            detail=f'"event" has {len(event)} characters, more than the'
            f" {peer.endpoint.max_pattern_length} allowed (max_pattern_length)"
        )
    return channel, event


def make_room(peer: Peer, channel: str, pattern: str) -> None:
    """Refuse a new subscription beyond ``max_subscriptions``: each pattern is held and
    matched against every message of its channel, so a client may not ask for thousands.
    Subscribing again to what it has is no new subscription, and always answered."""
    limit = peer.endpoint.max_subscriptions
    if peer.hub.count(peer) >= limit and not peer.hub.subscribed(peer, channel, pattern):
        raise Conflict(
            detail=f"this connection has {limit} subscriptions, the most it may have"
            " (max_subscriptions): unsubscribe from one first"
        )


async def allow(peer: Peer, channel: Channel, action: str) -> None:
    rule = channel.subscribe if action == "subscribe" else channel.publish
    if rule is False:
        raise Forbidden(detail=f"clients may not {action} on channel {channel.name!r}")
    if isinstance(rule, frozenset) and not rule <= _scopes(peer.token_info):
        raise Forbidden(detail=f"{action} on {channel.name!r} needs scope(s) {', '.join(sorted(rule))}")
    authorize = peer.endpoint.authorize
    if authorize is not None:
        allowed = authorize(peer.user, peer.token_info, channel.name, action)
        if asyncio.iscoroutine(allowed):
            allowed = await allowed
        if not allowed:
            raise Forbidden(detail=f"not allowed to {action} on channel {channel.name!r}")


async def _subscribe(connection: Peer, payload: Any) -> Any:
    channel, event = channel_of(connection, payload, "subscribe")
    pattern = event or "*"  # channel() gives "*" when none was sent
    await allow(connection, channel, "subscribe")
    make_room(connection, channel.name, pattern)  # after the await: no other subscribe in between
    connection.hub.subscribe(connection, channel.name, pattern)
    return {"subscribed": connection.hub.held(connection)}


async def _unsubscribe(connection: Peer, payload: Any) -> Any:
    """One pattern (``*`` when none is given, as aio-openapi's unsubscribe); a channel this
    connection holds nothing of is a 404, as aio-openapi refuses a channel nobody holds."""
    channel, event = channel_of(connection, payload, "unsubscribe")
    if channel.name not in connection.hub.held(connection):
        raise NotFound(detail=f"this connection has no subscription on channel {channel.name!r}")
    connection.hub.unsubscribe(connection, channel.name, event or "*")
    return {"subscribed": connection.hub.held(connection)}


async def _publish(connection: Peer, payload: Any) -> Any:
    """Publish ``data`` as ``event`` (none: the empty name, which ``*`` matches, as aio-openapi
    publishes it); answered with what was published, ``event`` as it was sent."""
    channel, event = channel_of(connection, payload, "publish")
    name = event or ""
    if is_pattern(name):
        raise BadRequest(detail="publish an event name, not a pattern")
    await allow(connection, channel, "publish")
    if channel.events is not None and name not in channel.events:
        raise BadRequest(
            detail=f"channel {channel.name!r} has no event {name!r} (one of {', '.join(sorted(channel.events))})"
        )
    data = payload.get("data")
    if channel.message is not None:
        # pointers into the publish payload, where the data is at /data
        violations = [
            replace(violation, name="/data" + violation.name) for violation in channel.message.violations(data, "body")
        ]
        if violations:
            raise RequestValidationError(detail=f"invalid data: {where(violations[0])}", violations=violations)
    try:
        await connection.hub.publish(channel.name, name, data)
    except (TypeError, ValueError) as error:  # cannot happen with a frame's data: it came as JSON
        raise BadRequest(detail="data that JSON cannot carry") from error
    return {"channel": channel.name, "event": event, "data": data}


BUILT_IN = {"subscribe": _subscribe, "unsubscribe": _unsubscribe, "publish": _publish}


def _scopes(token_info: Any) -> frozenset[str]:
    if not isinstance(token_info, Mapping):
        return frozenset()
    for key in ("scope", "scopes", "scp"):
        value = token_info.get(key)
        if isinstance(value, str):
            return frozenset(value.split())
        if isinstance(value, list | tuple | set | frozenset):
            return frozenset(str(item) for item in value)
    return frozenset()


def where(violation: Any) -> str:
    return f"{violation.name} {violation.message}" if violation.name else violation.message
