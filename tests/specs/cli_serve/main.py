"""The service of tests/service/test_cli_serve.py, run from a copy in the test's folder:
``python main.py serve``. ``/later`` has no handler: a stub, or a mock with ``MOCK=1``."""

import os

import click

from openapi_aio import App

app = App(__name__, stub=True, mock=os.environ.get("MOCK") == "1")
app.add_api("openapi.yaml")


@app.cli.command(help="A command of the service's own.")
@click.argument("name")
def hello(name: str) -> None:
    click.echo(f"hello {name} from {len(app.apis)} API")


if __name__ == "__main__":
    app.main()
