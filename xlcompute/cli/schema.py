"""``xlcompute schema``: the JSON Schema of scenario files."""

from __future__ import annotations

import json
import sys

__all__ = ["schema_command"]


def schema_command() -> None:
    """Print the JSON Schema of scenario files."""
    from xlcompute.scenario import Scenario

    sys.stdout.write(json.dumps(Scenario.model_json_schema(), indent=2, ensure_ascii=False) + "\n")
