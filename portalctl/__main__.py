from portalctl.cli import app

app()
