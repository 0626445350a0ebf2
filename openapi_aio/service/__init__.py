"""The service around the API: the App, its command line, health, access log, docs UI, migrations."""
