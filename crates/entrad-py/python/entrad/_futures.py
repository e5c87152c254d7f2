"""Handing a native result to an asyncio future, on its loop's thread."""

import asyncio


def settle(loop: asyncio.AbstractEventLoop, future: "asyncio.Future[object]", failed: bool, value: object) -> None:
    """Sets `value` as the result (or, when `failed`, the exception) of
    `future`, unless it was cancelled meanwhile."""

    def hand() -> None:
        if future.done():
            return
        if failed:
            future.set_exception(value)  # type: ignore[arg-type]
        else:
            future.set_result(value)

    loop.call_soon_threadsafe(hand)
