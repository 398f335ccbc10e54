"""sendcloud-emulator: a local, offline emulator of the SendCloud email API v2."""

__version__ = "0.1.0"
