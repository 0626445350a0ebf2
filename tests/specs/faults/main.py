"""The service of tests/service/test_faults.py, run from a copy in the test's folder:
``DATASTORE=... python main.py serve``. Its table is created at start-up on either database."""

from openapi_aio import App

app = App(__name__, create_tables=True)
app.add_api("openapi.yaml")

if __name__ == "__main__":
    app.main()
