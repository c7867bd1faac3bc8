"""Silences third-party warnings that no user of fraudstream can act on; imported first by the CLI.

Quix Streams imports confluent-kafka's schema registry client, which imports Authlib's httpx integration, and
Authlib 1.9 warns about that on every import: noise at the top of every command and worker log (we use neither
the registry nor Authlib). Authlib puts an "always" filter for its own warnings in front of the others when it is
imported, so it is imported here first (about 1 ms) and this filter goes in front of that one.
"""

from __future__ import annotations

import contextlib
import warnings

with contextlib.suppress(ImportError):
    import authlib.deprecate  # noqa: F401

warnings.filterwarnings("ignore", message="The httpx module is deprecated")
