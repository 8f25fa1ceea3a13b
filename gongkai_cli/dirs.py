"""The user's data directory: where the state file and the installed plans live by default.

Stands below everything (no gongkai imports), so both plan/ and store/ can ask for it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def user_data_dir() -> Path:
    """``gongkai`` in the platform's user data directory (XDG_DATA_HOME on Linux)."""
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    return base / "gongkai"
