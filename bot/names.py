"""People's display names for documents (a file shows names, not Slack ids).

Looked up with users.info, a few at once, within a time budget so a request still
answers inside Slack's three seconds; kept a while in a small bounded cache. A name
that cannot be found in time is simply left out: the document shows the id.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, wait

from slack_sdk import WebClient

log = logging.getLogger(__name__)

CACHE_SIZE = 5000  # names kept (bounded: memory stays flat with many pilots)
CACHE_TTL = 3600.0  # seconds a name is trusted
LOOKUP_BUDGET = 1.0  # seconds a request waits for names
LOOKUPS_AT_ONCE = 8

_cache: OrderedDict[str, tuple[float, str]] = OrderedDict()
_lock = threading.Lock()
_pool = ThreadPoolExecutor(max_workers=LOOKUPS_AT_ONCE, thread_name_prefix="names")


def known_names(user_ids: Iterable[str]) -> dict[str, str]:
    """The names already in the cache (no Slack call)."""
    now = time.monotonic()
    found = {}
    with _lock:
        for user_id in user_ids:
            hit = _cache.get(user_id)
            if hit is not None and now - hit[0] < CACHE_TTL:
                found[user_id] = hit[1]
    return found


def display_names(
    client: WebClient, user_ids: Iterable[str], *, budget: float = LOOKUP_BUDGET
) -> dict[str, str]:
    """Names for ``user_ids``: cached ones, and those users.info answers within ``budget``."""
    wanted = {u for u in user_ids if u}
    found = known_names(wanted)
    missing = sorted(wanted - found.keys())
    if not missing:
        return found
    futures = {_pool.submit(_lookup, client, user_id): user_id for user_id in missing}
    done, _ = wait(futures, timeout=budget)
    for future in done:
        name = future.result()
        if name:
            found[futures[future]] = name
    return found


def _lookup(client: WebClient, user_id: str) -> str:
    try:
        user = client.users_info(user=user_id)["user"]
    except Exception as error:  # a name is a nicety: the document shows the id instead
        log.info("no name for %s: %s", user_id, error)
        return ""
    profile = user.get("profile") or {}
    name = str(profile.get("real_name") or user.get("real_name") or user.get("name") or "")
    if name:
        with _lock:
            _cache[user_id] = (time.monotonic(), name)
            _cache.move_to_end(user_id)
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    return name


def forget() -> None:
    """Empty the cache (a test's workspace is not the next one's)."""
    with _lock:
        _cache.clear()
