"""The service of tests/ws/test_ws_brokers.py: ``BROKER=redis python main.py serve --port P``.

``/api/live`` is the websocket (channel ``news``, where clients may publish); ``POST
/api/publish`` publishes its body's ``{channel, event, data}`` from server code."""

from openapi_aio import App

app = App(__name__)
app.add_api("openapi.yaml")


if __name__ == "__main__":
    app.main()
