"""Where the API is and which key to use: arguments, else environment, else the config file."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from .errors import ConfigurationError

URL_VARIABLE = "WRENN_API_URL"
KEY_VARIABLE = "WRENN_API_KEY"


def config_path() -> Path:
    """``$XDG_CONFIG_HOME/wrenn/config.json`` (default ``~/.config/wrenn/config.json``), written by ``wrenn up`` and ``wrenn login``."""
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "wrenn" / "config.json"


@dataclass(frozen=True)
class Settings:
    """The resolved API URL (without a trailing slash) and API key."""

    api_url: str
    api_key: str


def resolve(api_url: Optional[str] = None, api_key: Optional[str] = None) -> Settings:
    """Each value from the argument, else ``WRENN_API_URL`` / ``WRENN_API_KEY``, else the config file."""
    file_values: dict = {}
    path = config_path()
    if path.is_file():
        try:
            file_values = json.loads(path.read_text())
        except (OSError, ValueError):
            file_values = {}
    url = api_url or os.environ.get(URL_VARIABLE) or file_values.get("api_url")
    key = api_key or os.environ.get(KEY_VARIABLE) or file_values.get("api_key")
    if not url:
        raise ConfigurationError(f"no API URL: pass api_url, set {URL_VARIABLE}, or run 'wrenn up' (which writes {path})")
    if not key:
        raise ConfigurationError(f"no API key: pass api_key, set {KEY_VARIABLE}, or run 'wrenn up' (which writes {path})")
    if not url.startswith(("http://", "https://")):
        raise ConfigurationError(f"'{url}' is not an http(s) URL")
    return Settings(url.rstrip("/"), key)
