"""openapi_aio as README and docs/cli.md show a service: ``python main.py serve --port P``.

openapi.yaml beside this file, handlers in benchapp/handlers.py (``operationId:
benchapp.handlers.<function>``); dev/bench runs it from this folder with dev/ on PYTHONPATH, as a
project's own package is found. Nothing is tuned: ``serve``'s defaults apply.
"""

from openapi_aio import App

app = App(__name__)
app.add_api("openapi.yaml")

if __name__ == "__main__":
    app.main()
