from openapi_aio.tracing import REQUEST_ID, current_request_id


async def echo(request):
    return {"context": current_request_id(), "request": request[REQUEST_ID]}


async def fail():
    raise RuntimeError("internal detail")
