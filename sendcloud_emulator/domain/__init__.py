"""State and rules, one module per SendCloud module. Never imports the HTTP layer.

Importing this package imports every module in it, so that each table registers itself with the
store (SQLModel's metadata) before the schema is created.
"""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
