"""Host resolution: from (arguments, environment, files) to an `Endpoint`, as the docker CLI does it."""

from .parse import parse_host
from .resolve import Endpoint, TlsFiles, config_dir_of, endpoint_for, resolve

__all__ = ["Endpoint", "TlsFiles", "config_dir_of", "endpoint_for", "parse_host", "resolve"]
