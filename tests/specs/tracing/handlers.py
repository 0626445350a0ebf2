from openapi_aio.keys import REQUEST_ID
from openapi_aio.tracing import current_request_id


async def echo(request):
    return {"context": current_request_id(), "request": request[REQUEST_ID]}


async def fail():
    raise RuntimeError("internal detail")
