import os


async def pid() -> dict:
    return {"pid": os.getpid()}
