import os


async def pid() -> dict:
    return {"pid": os.getpid()}


async def loop() -> dict:
    import asyncio

    running = type(asyncio.get_running_loop()).__module__
    return {"loop": "uvloop" if running.startswith("uvloop") else "asyncio"}
