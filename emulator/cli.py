"""The `sendcloud-emulator` command."""

import os

import typer

from . import __version__

app = typer.Typer(help="A local, offline emulator of the SendCloud email API v2.", no_args_is_help=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                      help="Print the version and exit.")) -> None:
    """A local, offline emulator of the SendCloud email API v2."""


@app.command()
def serve(
    host: str = typer.Option(None, help="Address to bind [env SC_EMULATOR_HOST, default 127.0.0.1]."),
    port: int = typer.Option(None, help="Port [env SC_EMULATOR_PORT, default 8000]."),
    database: str = typer.Option(None, "--database", help="Database URL [env SC_EMULATOR_DATABASE_URL]."),
    fixtures: str = typer.Option(None, help="Fixtures file loaded at start-up [env SC_EMULATOR_FIXTURES]."),
    reload: bool = typer.Option(False, help="Restart when the code changes (development)."),
    log_level: str = typer.Option(None, help="uvicorn log level [env SC_EMULATOR_LOG_LEVEL, default info]."),
) -> None:
    """Serve the emulator over HTTP."""
    import uvicorn

    from .settings import Settings

    # Options become env twins so that the app factory (also under --reload) sees the same values.
    for name, value in (("HOST", host), ("PORT", port), ("DATABASE_URL", database),
                        ("FIXTURES", fixtures), ("LOG_LEVEL", log_level)):
        if value is not None:
            os.environ[f"SC_EMULATOR_{name}"] = str(value)
    settings = Settings()
    uvicorn.run("emulator.app:create_app", factory=True, host=settings.host, port=settings.port,
                reload=reload, log_level=settings.log_level)


if __name__ == "__main__":
    app()
